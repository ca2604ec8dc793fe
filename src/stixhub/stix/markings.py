"""Traffic Light Protocol markings: TLP 1.0 and TLP 2.0 read as one ordered scale.

STIX 2.1 section 7.2.1.4 fixes four TLP 1.0 marking-definitions (white, green, amber, red);
the OASIS common-objects extension fixes five TLP 2.0 ones (clear, green, amber,
amber+strict, red). Producers use either, sometimes both in one collection, so a consumer
that filters "at most amber" must put them on one scale:

    clear (= TLP 1.0 white) < green < amber < amber+strict < red

An object's TLP is the most restrictive level among the marking-definitions it references,
whole-object (``object_marking_refs``) or granular (``granular_markings``): a sharing
decision must honour the strictest part of what is shared.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias

from stixhub.stix._errors import StixError
from stixhub.stix.validation._vocab import (
    TLP1_CREATED,
    TLP1_MARKINGS,
    TLP2_CREATED,
    TLP2_EXTENSION_ID,
    TLP2_MARKINGS,
)

__all__ = [
    "TLP2_EXTENSION_ID",
    "TLP_LEVELS",
    "TLP_VERSIONS",
    "TlpLevel",
    "TlpVersion",
    "UnknownTlp",
    "is_tlp_marking",
    "marking_id_for_tag",
    "parse_tlp",
    "tlp_marking",
    "tlp_marking_id",
    "tlp_of",
    "tlp_of_definition",
    "tlp_rank",
]

TlpLevel: TypeAlias = Literal["clear", "green", "amber", "amber+strict", "red"]
TlpVersion: TypeAlias = Literal["1.0", "2.0"]

TLP_LEVELS: tuple[TlpLevel, ...] = ("clear", "green", "amber", "amber+strict", "red")
TLP_VERSIONS: tuple[TlpVersion, ...] = ("1.0", "2.0")
_RANK: dict[str, int] = {level: i for i, level in enumerate(TLP_LEVELS)}
# TLP 1.0 white is TLP 2.0 clear (FIRST, TLP 2.0 section "Changes": WHITE renamed CLEAR).
_ALIASES: dict[str, TlpLevel] = {"white": "clear", **{level: level for level in TLP_LEVELS}}

_LEVEL_BY_ID: dict[str, TlpLevel] = {
    **{mid: _ALIASES[colour] for mid, colour in TLP1_MARKINGS.items()},
    **{mid: _ALIASES[level] for mid, level in TLP2_MARKINGS.items()},
}
_TLP1_ID: dict[TlpLevel, str] = {_ALIASES[c]: mid for mid, c in TLP1_MARKINGS.items()}
_TLP2_ID: dict[TlpLevel, str] = {_ALIASES[c]: mid for mid, c in TLP2_MARKINGS.items()}


class UnknownTlp(StixError):
    """Raised when a name is no TLP level, or a level does not exist in the TLP version asked."""


def parse_tlp(name: str) -> TlpLevel:
    """Read a TLP level as people write it: ``amber``, ``TLP:AMBER+STRICT``, ``tlp:white``.

    ``white`` is read as ``clear``: TLP 2.0 renamed the level and kept its meaning.
    """
    text = name.strip().lower()
    if text.startswith("tlp:"):
        text = text[4:].strip()
    level = _ALIASES.get(text)
    if level is None:
        raise UnknownTlp(
            f"{name!r} is no TLP level (clear, white, green, amber, amber+strict, red)"
        )
    return level


def tlp_rank(level: TlpLevel) -> int:
    """Position on the scale, 0 for clear: a larger rank is more restrictive."""
    return _RANK[level]


def tlp_marking_id(level: TlpLevel, version: TlpVersion = "2.0") -> str:
    """The fixed marking-definition id of a level in TLP 1.0 or 2.0.

    TLP 1.0 has no amber+strict; asking for it is an error rather than a silent widening to
    amber, which would share data further than its producer allowed.
    """
    table = _TLP2_ID if version == "2.0" else _TLP1_ID
    mid = table.get(level)
    if mid is None:
        raise UnknownTlp(f"TLP {version} has no level {level!r}")
    return mid


def tlp_marking(level: TlpLevel, version: TlpVersion = "2.0") -> dict[str, Any]:
    """The standard marking-definition object of a level, exactly as the standards fix it."""
    mid = tlp_marking_id(level, version)
    if version == "2.0":
        return {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": mid,
            "created": TLP2_CREATED,
            "name": f"TLP:{level.upper()}",
            "extensions": {
                TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": level}
            },
        }
    colour = TLP1_MARKINGS[mid]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": mid,
        "created": TLP1_CREATED,
        "definition_type": "tlp",
        "name": f"TLP:{colour.upper()}",
        "definition": {"tlp": colour},
    }


def marking_id_for_tag(tag: str) -> str:
    """The fixed marking-definition id a ``tlp:...`` tag (MISP, OpenCTI) stands for.

    A tag is words, not a version: the names TLP 1.0 has (white, green, amber, red) map to
    the TLP 1.0 definitions every STIX 2.1 consumer knows (STIX 2.1 section 7.2.1.4, as
    misp-stix writes them); the names only TLP 2.0 has (clear, amber+strict) map to TLP 2.0.
    Either way the result is a marking reference, never a label.
    """
    text = tag.strip().lower()
    level = parse_tlp(text)
    word = text[4:].strip() if text.startswith("tlp:") else text
    return tlp_marking_id(level, "1.0" if word in ("white", "green", "amber", "red") else "2.0")


def is_tlp_marking(marking_id: str) -> bool:
    """Whether an id is one of the nine fixed TLP 1.0 / 2.0 marking-definitions."""
    return marking_id in _LEVEL_BY_ID


def tlp_of_definition(definition: Mapping[str, Any]) -> TlpLevel | None:
    """The TLP level a marking-definition object states, by its fixed id or by its content.

    The content is read too because STIX 2.0 producers and some 2.1 ones write TLP with
    other ids (the standards forbid it, but a consumer filtering by TLP must still not leak
    what they marked red).
    """
    mid = definition.get("id")
    if isinstance(mid, str) and mid in _LEVEL_BY_ID:
        return _LEVEL_BY_ID[mid]
    extensions = definition.get("extensions")
    if isinstance(extensions, Mapping):
        ext = extensions.get(TLP2_EXTENSION_ID)
        if isinstance(ext, Mapping) and isinstance(ext.get("tlp_2_0"), str):
            return _ALIASES.get(ext["tlp_2_0"].lower())
    if definition.get("definition_type") == "tlp":
        body = definition.get("definition")
        if isinstance(body, Mapping) and isinstance(body.get("tlp"), str):
            return _ALIASES.get(body["tlp"].lower())
    return None


def _marking_refs(obj: Mapping[str, Any]) -> Iterable[str]:
    refs = obj.get("object_marking_refs")
    if isinstance(refs, list):
        yield from (r for r in refs if isinstance(r, str))
    granular = obj.get("granular_markings")
    if isinstance(granular, list):
        for g in granular:
            if isinstance(g, Mapping) and isinstance(g.get("marking_ref"), str):
                yield g["marking_ref"]


def tlp_of(
    obj: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]] | None = None
) -> TlpLevel | None:
    """The most restrictive TLP level an object is marked with, or None when it has none.

    ``definitions`` maps marking-definition ids to their objects, for TLP markings that do
    not use the fixed ids; the fixed ids are known without it.
    """
    best: TlpLevel | None = None
    for ref in _marking_refs(obj):
        level = _LEVEL_BY_ID.get(ref)
        if level is None and definitions is not None and ref in definitions:
            level = tlp_of_definition(definitions[ref])
        if level is not None and (best is None or _RANK[level] > _RANK[best]):
            best = level
    return best
