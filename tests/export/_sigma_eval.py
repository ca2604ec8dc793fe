"""A small interpreter of Sigma detection logic, for testing what generated rules mean.

It reads the rule through pySigma's own parsed condition (selections resolved, modifiers
applied) and evaluates it on one flat event (field -> value). It knows what stixhub's rules
use: AND / OR / NOT, string values with ``*`` / ``?`` wildcards (case-insensitive, or exact
with ``cased``), numbers, and ``cidr``.
"""

import ipaddress
import re
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
)
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaNumber,
    SigmaString,
    SpecialChars,
)


def string_regex(value: SigmaString) -> re.Pattern[str]:
    """The regular expression of a Sigma string: wildcards become ``.*`` and ``.``."""
    parts: list[str] = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            parts.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            parts.append(".")
        else:
            parts.append(re.escape(str(part)))
    flags = re.DOTALL if isinstance(value, SigmaCasedString) else re.DOTALL | re.IGNORECASE
    return re.compile("".join(parts), flags)


def _value_matches(expected: Any, actual: Any) -> bool:
    if actual is None:
        return False
    if isinstance(expected, SigmaCIDRExpression):
        try:
            return ipaddress.ip_address(str(actual)) in expected.network
        except ValueError:
            return False
    if isinstance(expected, SigmaNumber):
        return isinstance(actual, int) and actual == expected.number
    if isinstance(expected, SigmaString):
        return isinstance(actual, str) and string_regex(expected).fullmatch(actual) is not None
    raise AssertionError(f"the interpreter does not know {type(expected).__name__}")


def _evaluate(node: Any, event: dict[str, Any]) -> bool:
    if isinstance(node, ConditionAND):
        return all(_evaluate(arg, event) for arg in node.args)
    if isinstance(node, ConditionOR):
        return any(_evaluate(arg, event) for arg in node.args)
    if isinstance(node, ConditionNOT):
        return not _evaluate(node.args[0], event)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _value_matches(node.value, event.get(node.field))
    raise AssertionError(f"the interpreter does not know {type(node).__name__}")


def rule_matches(rule: SigmaRule, event: dict[str, Any]) -> bool:
    """Whether the rule's condition selects the event."""
    return any(_evaluate(c.parse(), event) for c in rule.detection.parsed_condition)
