"""STIX 2.1 patterning (section 9): parse, check, match, and a compiled index.

``check_pattern`` is what the validator and every other place that checks an indicator's
pattern call; stix2-patterns is only a test oracle. The engine is pure Python apart from the
linear-time regular-expression engine behind MATCHES (google-re2).
"""

from stixhub.stix.patterns._ast import (
    BoolExpression,
    Comparison,
    Constant,
    IndexStep,
    KeyStep,
    ObjectPath,
    Observation,
    ObservationOperator,
    Pattern,
    Qualified,
    Repeats,
    SetConstant,
    StartStop,
    Within,
)
from stixhub.stix.patterns._checker import PatternIssue, check_pattern
from stixhub.stix.patterns._decompose import Decomposition, Entry, compose_pattern, decompose
from stixhub.stix.patterns._errors import (
    InvalidRegex,
    PatternError,
    PatternLimitError,
    PatternSyntaxError,
    UnsupportedRegex,
)
from stixhub.stix.patterns._index import PatternIndex
from stixhub.stix.patterns._matcher import CompiledPattern, MatchResult, compile_pattern, match
from stixhub.stix.patterns._parser import parse_pattern
from stixhub.stix.patterns._predicates import ObservationError

__all__ = [
    "BoolExpression",
    "Comparison",
    "CompiledPattern",
    "Constant",
    "Decomposition",
    "Entry",
    "IndexStep",
    "InvalidRegex",
    "KeyStep",
    "MatchResult",
    "ObjectPath",
    "Observation",
    "ObservationError",
    "ObservationOperator",
    "Pattern",
    "PatternError",
    "PatternIndex",
    "PatternIssue",
    "PatternLimitError",
    "PatternSyntaxError",
    "Qualified",
    "Repeats",
    "SetConstant",
    "StartStop",
    "UnsupportedRegex",
    "Within",
    "check_pattern",
    "compile_pattern",
    "compose_pattern",
    "decompose",
    "match",
    "parse_pattern",
]
