"""STIX patterns as Sigma rules, built with pySigma's own objects.

A rule has one selection per comparison and a condition that is the pattern's AND / OR
tree over them, so the rule's logic is the pattern's. Fields are stixhub's names for STIX
object paths (``FIELDS``; docs/exports.md), mapped to ECS or Splunk CIM by the pipelines of
``_siem``. What translates, and how:

* ``=`` and ``IN``: the value, with Sigma's wildcards ``*`` ``?`` and ``\\`` escaped so the
  value is matched literally; numbers stay numbers;
* a CIDR value of ``ipv4-addr:value`` / ``ipv6-addr:value`` (with ``=`` or ``ISSUBSET``):
  the ``cidr`` modifier, a range match, never a string equality (``_observables``). The
  list formats' rule holds here too (``NetworkRefused``): a network wider than the floor or
  with host bits set refuses the whole rule, since a feed's ``0.0.0.0/0`` would become a
  SIEM rule firing on every event, and dropping just that comparison would change what an
  AND around it means;
* ``LIKE``: ``%`` becomes ``*``, ``_`` becomes ``?``, and a literal ``*``, ``?`` or ``\\``
  is escaped, so the rule matches exactly what SQL LIKE matches, no implicit wildcards;
* ``cased`` (``sigma`` format only): STIX compares strings case-sensitively and Sigma does
  not by default; the Splunk and Elasticsearch backends cannot express ``cased``, so
  their queries compare as those tools do (docs/exports.md).

Skipped with a counted reason: qualifiers, AND / FOLLOWEDBY between observations (they need
several events), negation, ``!=``, ordering operators, MATCHES (regular
expression dialects differ), EXISTS, binary constants, paths with no field, AND across
object types (never true) and AND of tests on addresses (an event has two addresses).
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from sigma.modifiers import SigmaCaseSensitiveModifier, SigmaCIDRModifier, SigmaModifier
from sigma.rule import (
    SigmaDetection,
    SigmaDetectionItem,
    SigmaDetections,
    SigmaLevel,
    SigmaLogSource,
    SigmaRule,
    SigmaStatus,
)
from sigma.types import SigmaNumber, SigmaString

from stixhub.export._model import Selected
from stixhub.export._observables import MIN_PREFIX4, MIN_PREFIX6, classify, hash_algorithm
from stixhub.stix.patterns import (
    BoolExpression,
    Comparison,
    Constant,
    Entry,
    Observation,
    ObservationOperator,
    SetConstant,
)
from stixhub.stix.patterns._decompose import entries_of

__all__ = [
    "FIELDS",
    "LOGSOURCE",
    "NetworkRefused",
    "SigmaSkip",
    "build_rule",
    "like_to_sigma",
    "rule_document",
    "sigma_literal",
]

LOGSOURCE = {"product": "stixhub", "service": "indicators"}
FIELDS: dict[str, str] = {
    "ipv4-addr:value": "ipv4",
    "ipv6-addr:value": "ipv6",
    "domain-name:value": "domain",
    "url:value": "url",
    "email-addr:value": "email",
    "file:name": "file.name",
    "file:hashes.md5": "file.hash.md5",
    "file:hashes.sha-1": "file.hash.sha1",
    "file:hashes.sha-256": "file.hash.sha256",
    "file:hashes.sha-512": "file.hash.sha512",
    "process:name": "process.name",
    "process:command_line": "process.command_line",
    "user-account:account_login": "user.name",
    "windows-registry-key:key": "registry.key",
    "network-traffic:src_port": "src_port",
    "network-traffic:dst_port": "dst_port",
    "x509-certificate:hashes.sha-1": "tls.cert.sha1",
}
_NAMESPACE = uuid.UUID("6f0a2c1e-9c55-4f0e-8f0e-5a8f3f6d2c11")  # stixhub's, for rule ids
_SIGMA_SPECIAL = "*?\\"
_ADDRESS_TYPES = frozenset({"ipv4-addr", "ipv6-addr"})
_MODIFIER_NAMES = {SigmaCIDRModifier: "cidr", SigmaCaseSensitiveModifier: "cased"}


class SigmaSkip(Exception):
    """Raised inside ``build_rule`` when a pattern has no faithful Sigma form; says why."""


class NetworkRefused(SigmaSkip):
    """Raised inside ``build_rule`` when a CIDR is one the list formats refuse too (wider
    than the floor, host bits set, no network); its text is the list formats' reason."""


def sigma_literal(text: str) -> str:
    """Sigma string text that matches ``text`` exactly: wildcards and ``\\`` escaped."""
    return "".join("\\" + c if c in _SIGMA_SPECIAL else c for c in text)


def like_to_sigma(pattern: str) -> str:
    """Sigma string text with SQL LIKE's meaning: ``%`` -> ``*``, ``_`` -> ``?``."""
    out: list[str] = []
    for c in pattern:
        if c == "%":
            out.append("*")
        elif c == "_":
            out.append("?")
        else:
            out.append(sigma_literal(c))
    return "".join(out)


def field_of(entry: Entry) -> str | None:
    """The Sigma field of an entry's path, hash names read case-insensitively."""
    algorithm = hash_algorithm(entry.prop)
    key = f"{entry.object_type}:hashes.{algorithm}" if algorithm else entry.path
    return FIELDS.get(key)


@dataclass
class _Builder:
    cased: bool
    min_prefix4: int = MIN_PREFIX4
    min_prefix6: int = MIN_PREFIX6
    selections: dict[str, SigmaDetection] = field(default_factory=dict)
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def comparison(self, comparison: Comparison) -> str:
        """A selection for one comparison; its name goes into the condition."""
        if comparison.negated:
            raise SigmaSkip(f"negated {comparison.op}")
        entries = entries_of(comparison)
        entry = entries[0]
        sigma_field = field_of(entry)
        if sigma_field is None or entry.indexed:
            raise SigmaSkip(f"no Sigma field for {entry.path}")
        modifiers: list[type[SigmaModifier]] = []  # type: ignore[type-arg]
        op = comparison.op
        is_ip = entry.object_type in ("ipv4-addr", "ipv6-addr") and entry.prop == "value"
        if op not in ("=", "IN", "ISSUBSET", "LIKE"):
            raise SigmaSkip(f"operator {op}")
        constants = (
            comparison.value.items
            if isinstance(comparison.value, SetConstant)
            else (comparison.value,)
        )
        if not constants:
            raise SigmaSkip("empty IN list")
        texts = [self._constant(c) for c in constants]
        raw: list[str | int]  # Sigma's own text of each value (wildcards, escapes)
        if op == "LIKE":
            raw = [like_to_sigma(str(texts[0]))]
        elif is_ip and all(isinstance(t, str) and "/" in t for t in texts):
            for network in entries:
                refusal = classify(network, self.min_prefix4, self.min_prefix6)
                if isinstance(refusal, str):
                    raise NetworkRefused(refusal)
            modifiers.append(SigmaCIDRModifier)
            raw = [str(t) for t in texts]
        elif is_ip and any(isinstance(t, str) and "/" in t for t in texts):
            raise SigmaSkip("IN list mixing addresses and networks")
        elif op == "ISSUBSET" and not is_ip:
            raise SigmaSkip(f"ISSUBSET on {entry.path}")
        else:
            raw = [t if isinstance(t, int) else sigma_literal(t) for t in texts]
        if self.cased and SigmaCIDRModifier not in modifiers and not isinstance(texts[0], int):
            modifiers.append(SigmaCaseSensitiveModifier)
        values = [SigmaNumber(v) if isinstance(v, int) else SigmaString(v) for v in raw]
        name = f"sel{len(self.selections) + 1}"
        item = SigmaDetectionItem(sigma_field, modifiers, values)  # type: ignore[arg-type]
        self.selections[name] = SigmaDetection([item])
        key = "|".join([sigma_field, *(_MODIFIER_NAMES[m] for m in modifiers)])
        self.texts[name] = {key: raw[0] if len(raw) == 1 else raw}
        return name

    @staticmethod
    def _constant(constant: Constant | SetConstant | None) -> str | int:
        if not isinstance(constant, Constant):
            raise SigmaSkip("EXISTS")
        value = constant.value
        if constant.kind == "string" and isinstance(value, str):
            return value
        if constant.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        raise SigmaSkip(f"{constant.kind} constant")

    def expression(self, node: Comparison | BoolExpression) -> tuple[str, frozenset[str]]:
        """The condition text of a comparison expression and the object types it tests.

        STIX binds the comparisons of one observation joined by AND to one object (STIX 2.1
        section 9.5; stixhub's matcher and stix2-matcher agree), so an AND across object
        types is never true and is refused rather than written as a rule that would fire.
        An event holds one object of each type except addresses (source and destination),
        so an AND of tests on addresses has no flat-event form either.
        """
        if isinstance(node, Comparison):
            return self.comparison(node), frozenset({node.path.object_type})
        parts = [self.expression(operand) for operand in node.operands]
        types = frozenset().union(*(t for _, t in parts))
        if node.op == "AND":
            if len(types) > 1 or any(t != types for _, t in parts):
                raise SigmaSkip("AND across object types (never true in STIX)")
            if types & _ADDRESS_TYPES:
                raise SigmaSkip("AND of tests on addresses")
        joiner = " and " if node.op == "AND" else " or "
        return "(" + joiner.join(t for t, _ in parts) + ")", types

    def observation(self, node: object) -> list[str]:
        if isinstance(node, Observation):
            return [self.expression(node.expression)[0]]
        if isinstance(node, ObservationOperator) and node.op == "OR":
            return [part for operand in node.operands for part in self.observation(operand)]
        if isinstance(node, ObservationOperator):
            raise SigmaSkip(f"{node.op} between observations")
        raise SigmaSkip(f"qualifier {type(getattr(node, 'qualifier', node)).__name__.upper()}")


def build_rule(
    selected: Selected,
    *,
    cased: bool,
    min_prefix4: int = MIN_PREFIX4,
    min_prefix6: int = MIN_PREFIX6,
) -> SigmaRule:
    """The Sigma rule of one indicator; ``SigmaSkip`` says why there is none.

    ``min_prefix4`` / ``min_prefix6`` are the export's CIDR floor (``Selection``).
    """
    return _build(selected, _Builder(cased, min_prefix4, min_prefix6))[0]


def rule_document(
    selected: Selected, *, min_prefix4: int = MIN_PREFIX4, min_prefix6: int = MIN_PREFIX6
) -> dict[str, Any]:
    """The rule (with ``cased``) as the dict written to YAML.

    The detection is written from the texts the rule was built from: pySigma 1.5's
    ``to_dict`` writes a literal backslash before a wildcard, or two backslashes, so that
    they read back as something else.
    """
    rule, builder = _build(selected, _Builder(True, min_prefix4, min_prefix6))
    document = rule.to_dict()
    condition = document["detection"]["condition"]
    document["detection"] = {**builder.texts, "condition": condition}
    return document


def _build(selected: Selected, builder: _Builder) -> tuple[SigmaRule, _Builder]:
    parts = builder.observation(selected.pattern.root)
    condition = " or ".join(parts)
    ind = selected.indicator
    confidence = ind.get("confidence")
    level = SigmaLevel.MEDIUM
    if isinstance(confidence, int) and not isinstance(confidence, bool):
        level = (
            SigmaLevel.HIGH
            if confidence >= 70
            else SigmaLevel.MEDIUM
            if confidence >= 30
            else SigmaLevel.LOW
        )
    description = ind.get("description")
    rule = SigmaRule(
        title=selected.name,
        id=uuid.uuid5(_NAMESPACE, selected.id),
        status=SigmaStatus.EXPERIMENTAL,
        description=description if isinstance(description, str) else None,
        references=[selected.id],
        level=level,
        logsource=SigmaLogSource(product=LOGSOURCE["product"], service=LOGSOURCE["service"]),
        detection=SigmaDetections(detections=builder.selections, condition=[condition]),
        custom_attributes={"stix_pattern": selected.pattern.text or str(selected.pattern)},
    )
    return rule, builder
