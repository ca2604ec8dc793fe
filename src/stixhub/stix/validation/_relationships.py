"""The relationship types STIX 2.1 defines for each source and target type (section 5.1).

``relationship_type`` SHOULD be a value listed in the relationships of the source and target
types, but MAY be any string (section 5.1.2), so a pair the spec does not list is a warning.
The table is the "Relationships" tables of the SDOs (sections 4.1.2-4.19.2) and SCOs (6.4.2,
6.8.2, 6.9.2), which are authoritative over their summary in Appendix B (section 5.1.1); the
two agree. The common relationships of section 3.7 join any SDO or SCO: ``related-to`` any
pair, ``derived-from`` and ``duplicate-of`` two objects of the same type.

Only spec-defined source and target types are judged: for a custom or extension-defined
type the spec lists nothing, and the object itself is already reported as custom content.
"""

from typing import Any

from stixhub.stix.validation._context import Context
from stixhub.stix.validation._primitives import id_type
from stixhub.stix.validation._types import RELATIONSHIP_TYPE, SCO_TYPES, SDO_TYPES

__all__ = ["SPEC_RELATIONSHIPS", "check_relationship_type"]

_ANY_SCO = "<any SCO>"

# (source type, relationship types, target types), in the order of Appendix B.
_ROWS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("attack-pattern", ("delivers",), ("malware",)),
    ("attack-pattern", ("targets",), ("identity", "location", "vulnerability")),
    ("attack-pattern", ("uses",), ("malware", "tool")),
    ("campaign", ("attributed-to",), ("intrusion-set", "threat-actor")),
    ("campaign", ("compromises",), ("infrastructure",)),
    ("campaign", ("originates-from",), ("location",)),
    ("campaign", ("targets",), ("identity", "location", "vulnerability")),
    ("campaign", ("uses",), ("attack-pattern", "infrastructure", "malware", "tool")),
    ("course-of-action", ("investigates",), ("indicator",)),
    (
        "course-of-action",
        ("mitigates",),
        ("attack-pattern", "indicator", "malware", "tool", "vulnerability"),
    ),
    ("course-of-action", ("remediates",), ("malware", "vulnerability")),
    ("domain-name", ("resolves-to",), ("domain-name", "ipv4-addr", "ipv6-addr")),
    ("identity", ("located-at",), ("location",)),
    (
        "indicator",
        ("indicates",),
        (
            "attack-pattern",
            "campaign",
            "infrastructure",
            "intrusion-set",
            "malware",
            "threat-actor",
            "tool",
        ),
    ),
    ("indicator", ("based-on",), ("observed-data",)),
    (
        "infrastructure",
        ("communicates-with",),
        ("infrastructure", "ipv4-addr", "ipv6-addr", "domain-name", "url"),
    ),
    ("infrastructure", ("consists-of",), ("infrastructure", "observed-data", _ANY_SCO)),
    ("infrastructure", ("controls",), ("infrastructure", "malware")),
    ("infrastructure", ("delivers",), ("malware",)),
    ("infrastructure", ("has",), ("vulnerability",)),
    ("infrastructure", ("hosts",), ("tool", "malware")),
    ("infrastructure", ("located-at",), ("location",)),
    ("infrastructure", ("uses",), ("infrastructure",)),
    ("intrusion-set", ("attributed-to",), ("threat-actor",)),
    ("intrusion-set", ("compromises",), ("infrastructure",)),
    ("intrusion-set", ("hosts", "owns"), ("infrastructure",)),
    ("intrusion-set", ("originates-from",), ("location",)),
    ("intrusion-set", ("targets",), ("identity", "location", "vulnerability")),
    ("intrusion-set", ("uses",), ("attack-pattern", "infrastructure", "malware", "tool")),
    ("ipv4-addr", ("belongs-to",), ("autonomous-system",)),
    ("ipv4-addr", ("resolves-to",), ("mac-addr",)),
    ("ipv6-addr", ("belongs-to",), ("autonomous-system",)),
    ("ipv6-addr", ("resolves-to",), ("mac-addr",)),
    ("malware", ("authored-by",), ("threat-actor", "intrusion-set")),
    ("malware", ("beacons-to", "exfiltrates-to"), ("infrastructure",)),
    ("malware", ("communicates-with",), ("ipv4-addr", "ipv6-addr", "domain-name", "url")),
    ("malware", ("controls",), ("malware",)),
    ("malware", ("downloads", "drops"), ("malware", "tool", "file")),
    ("malware", ("exploits",), ("vulnerability",)),
    ("malware", ("originates-from",), ("location",)),
    ("malware", ("targets",), ("identity", "infrastructure", "location", "vulnerability")),
    ("malware", ("uses",), ("attack-pattern", "infrastructure", "malware", "tool")),
    ("malware", ("variant-of",), ("malware",)),
    (
        "malware-analysis",
        ("characterizes", "av-analysis-of", "static-analysis-of", "dynamic-analysis-of"),
        ("malware",),
    ),
    ("threat-actor", ("attributed-to",), ("identity",)),
    ("threat-actor", ("compromises",), ("infrastructure",)),
    ("threat-actor", ("hosts", "owns"), ("infrastructure",)),
    ("threat-actor", ("impersonates",), ("identity",)),
    ("threat-actor", ("located-at",), ("location",)),
    ("threat-actor", ("targets",), ("identity", "location", "vulnerability")),
    ("threat-actor", ("uses",), ("attack-pattern", "infrastructure", "malware", "tool")),
    ("tool", ("delivers",), ("malware",)),
    ("tool", ("drops",), ("malware",)),
    ("tool", ("has",), ("vulnerability",)),
    ("tool", ("targets",), ("identity", "infrastructure", "location", "vulnerability")),
    ("tool", ("uses",), ("infrastructure",)),
)


def _prepare() -> dict[tuple[str, str], frozenset[str]]:
    table: dict[tuple[str, str], set[str]] = {}
    for source, names, targets in _ROWS:
        expanded = {t for t in targets if t != _ANY_SCO}
        if _ANY_SCO in targets:
            expanded |= SCO_TYPES
        for name in names:
            table.setdefault((source, name), set()).update(expanded)
    return {key: frozenset(targets) for key, targets in table.items()}


SPEC_RELATIONSHIPS: dict[tuple[str, str], frozenset[str]] = _prepare()
"""(source type, relationship_type) -> the target types the spec lists for them."""

_RELATABLE = SDO_TYPES | SCO_TYPES
_SAME_TYPE = frozenset({"derived-from", "duplicate-of"})


def check_relationship_type(obj: dict[str, Any], path: str, ctx: Context) -> None:
    """Warn about a relationship whose type the spec does not list for its source and
    target types (sections 5.1, 3.7, Appendix B); the types are the references' prefixes."""
    name = obj.get("relationship_type")
    source, target = obj.get("source_ref"), obj.get("target_ref")
    if not (isinstance(name, str) and isinstance(source, str) and isinstance(target, str)):
        return  # missing or mistyped: reported as errors by the property checks
    if name == "related-to":
        return
    source_type, target_type = id_type(source), id_type(target)
    if source_type not in _RELATABLE or target_type not in _RELATABLE:
        return  # a custom type, or a reference error reported elsewhere
    if name in _SAME_TYPE:
        if source_type != target_type:
            ctx.warn(
                "relationship-same-type",
                f"{path}.relationship_type",
                f"{name} should join two objects of the same type, not {source_type} and "
                f"{target_type} (section 3.7)",
            )
        return
    targets = SPEC_RELATIONSHIPS.get((source_type, name))
    if (targets is None or target_type not in targets) and RELATIONSHIP_TYPE.fullmatch(name):
        ctx.warn(
            "relationship-type",
            f"{path}.relationship_type",
            f"{source_type} {name} {target_type} is not a relationship STIX 2.1 defines; use "
            "one listed for these types or related-to (section 5.1, Appendix B)",
        )
