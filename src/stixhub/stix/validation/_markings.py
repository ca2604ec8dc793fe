"""Marking rules: marking-definition objects and granular markings (STIX 2.1 section 7.2)."""

import re
from typing import Any

from stixhub.stix.validation._checks import Check, Targets, list_of, no_big_integers, ref
from stixhub.stix.validation._context import Context
from stixhub.stix.validation._findings import member
from stixhub.stix.validation._primitives import is_lang_tag
from stixhub.stix.validation._types import KNOWN_TYPES
from stixhub.stix.validation._vocab import (
    TLP1_CREATED,
    TLP1_MARKINGS,
    TLP2_CREATED,
    TLP2_EXTENSION_ID,
    TLP2_MARKINGS,
)

__all__ = ["MARKING_REF", "MARKING_REFS", "check_granular_markings", "check_marking_definition"]

MARKING_REF: Check = ref(Targets(["marking-definition"], "a marking-definition"), KNOWN_TYPES)
MARKING_REFS: Check = list_of(MARKING_REF)
_TLP1_BY_COLOUR = {colour: mid for mid, colour in TLP1_MARKINGS.items()}
_INDEX = re.compile(r"\[(\d+)\]")
_KEY = re.compile(r"[^.\[\]*]+")


def _resolve(obj: dict[str, Any], selector: str) -> str | None:
    """Walk a selector (section 7.2.3.1) through the object; say why it fails, or None."""
    current: Any = obj
    for n, component in enumerate(selector.split(".")):
        index = _INDEX.fullmatch(component)
        if index is not None and n > 0:
            if not isinstance(current, list):
                return f"component {component} indexes something that is not a list"
            i = int(index.group(1))
            if i >= len(current):
                return f"component {component} is past the end of a list of {len(current)}"
            current = current[i]
        elif _KEY.fullmatch(component) is not None:
            if not isinstance(current, dict) or component not in current:
                return f"property {component!r} does not exist there"
            current = current[component]
        else:
            return f"component {component!r} is not a property name, a key or a [n] list index"
    return None


def check_granular_markings(value: Any, obj: dict[str, Any], path: str, ctx: Context) -> None:
    """Each granular marking: selectors that resolve, and exactly one of marking_ref or lang."""
    if not isinstance(value, list):
        ctx.error("type", path, "must be a list of granular markings")
        return
    if not value:
        ctx.error("empty-list", path, "must not be an empty list")
    for i, marking in enumerate(value):
        at = f"{path}[{i}]"
        if not isinstance(marking, dict):
            ctx.error("type", at, "a granular marking must be an object")
            continue
        has_ref, has_lang = "marking_ref" in marking, "lang" in marking
        if has_ref == has_lang:
            ctx.error(
                "granular-marking",
                at,
                "a granular marking needs exactly one of marking_ref or lang "
                + ("(it has both)" if has_ref else "(it has neither)"),
            )
        if has_ref:
            MARKING_REF(marking["marking_ref"], f"{at}.marking_ref", ctx)
        if has_lang:
            lang = marking["lang"]
            if not (isinstance(lang, str) and is_lang_tag(lang)):
                ctx.error("language", f"{at}.lang", f"{lang!r} is not an RFC 5646 language tag")
        for key in marking:
            if key not in ("marking_ref", "lang", "selectors"):
                ctx.custom(
                    "custom-property",
                    member(at, key),
                    f"custom property {key!r} in a granular marking",
                )
                no_big_integers(marking[key], member(at, key), ctx)
        _check_selectors(marking.get("selectors", ...), obj, at, ctx)


def _check_selectors(selectors: Any, obj: dict[str, Any], at: str, ctx: Context) -> None:
    """Section 7.2.3.1: a non-empty list of selectors, each resolving inside the object."""
    if selectors is ...:
        ctx.error("required", f"{at}.selectors", "a granular marking requires selectors")
        return
    if not isinstance(selectors, list) or not selectors:
        ctx.error("selector", f"{at}.selectors", "selectors must be a non-empty list of strings")
        return
    for j, selector in enumerate(selectors):
        sat = f"{at}.selectors[{j}]"
        if not isinstance(selector, str):
            ctx.error("selector", sat, "a selector must be a string")
            continue
        problem = _resolve(obj, selector)
        if problem is not None:
            ctx.error("selector", sat, f"selector {selector!r} does not resolve: {problem}")
        elif selector.split(".", 1)[0] == "granular_markings":
            ctx.warn(
                "selector", sat, f"selector {selector!r} marks the granular markings themselves"
            )


def check_marking_definition(obj: dict[str, Any], path: str, ctx: Context) -> None:
    """Section 7.2.1: the definition forms, no versioning, and the fixed TLP objects."""
    for name in ("modified", "revoked"):
        if name in obj:
            ctx.error(
                "marking-versioning",
                f"{path}.{name}",
                f"marking-definition objects are not versioned and must not have {name}",
            )
    mid, created, name_ = obj.get("id"), obj.get("created"), obj.get("name")
    _no_self_reference(obj, mid, path, ctx)
    definition_type, definition = obj.get("definition_type"), obj.get("definition")
    extensions = obj.get("extensions")
    if ("definition_type" in obj) != ("definition" in obj) or (
        "definition_type" not in obj and not extensions
    ):
        ctx.error(
            "marking-definition",
            path,
            "a marking-definition needs both definition_type and definition, or extensions "
            "(e.g. TLP 2.0)",
        )
    if definition_type == "tlp":
        colour = definition.get("tlp") if isinstance(definition, dict) else None
        expected = _TLP1_BY_COLOUR.get(colour) if isinstance(colour, str) else None
        if expected is None:
            ctx.error(
                "tlp-marking",
                f"{path}.definition",
                "a tlp definition needs tlp white, green, amber or red",
            )
        elif (
            mid != expected
            or created != TLP1_CREATED
            or (
                name_ is not None and name_ != f"TLP:{colour.upper()}"  # type: ignore[union-attr]
            )
        ):
            ctx.error(
                "tlp-marking",
                path,
                f"TLP:{colour.upper()} must be the fixed marking-definition {expected} "  # type: ignore[union-attr]
                f"created {TLP1_CREATED}; no other tlp marking-definitions may be created",
            )
    elif definition_type == "statement" and not (
        isinstance(definition, dict) and isinstance(definition.get("statement"), str)
    ):
        ctx.error(
            "marking-definition",
            f"{path}.definition",
            "a statement definition needs a statement string",
        )
    if isinstance(mid, str) and mid in TLP1_MARKINGS and definition_type != "tlp":
        ctx.error(
            "tlp-marking",
            f"{path}.id",
            f"{mid} is reserved for the TLP 1.0 marking TLP:{TLP1_MARKINGS[mid].upper()}",
        )
    tlp2 = extensions.get(TLP2_EXTENSION_ID) if isinstance(extensions, dict) else None
    if (isinstance(mid, str) and mid in TLP2_MARKINGS) or tlp2 is not None:
        _check_tlp2(obj, tlp2, path, ctx)


def _check_tlp2(obj: dict[str, Any], ext: Any, path: str, ctx: Context) -> None:
    mid = obj.get("id")
    level = TLP2_MARKINGS.get(mid) if isinstance(mid, str) else None
    if level is None:
        ctx.error(
            "tlp-marking",
            f"{path}.id",
            "TLP 2.0 markings must use one of the five fixed marking-definition ids of the "
            "TLP 2.0 extension",
        )
        return
    label = f"TLP:{level.upper()}"
    if not isinstance(ext, dict):
        ctx.error(
            "tlp-marking",
            f"{path}.extensions",
            f"{label} must carry the TLP 2.0 extension {TLP2_EXTENSION_ID}",
        )
        return
    if ext.get("tlp_2_0") != level or ext.get("extension_type") != "property-extension":
        ctx.error(
            "tlp-marking",
            member(f"{path}.extensions", TLP2_EXTENSION_ID),
            f"{label} needs extension_type property-extension and tlp_2_0 {level!r}",
        )
    if obj.get("created") != TLP2_CREATED or obj.get("name") != label:
        ctx.error(
            "tlp-marking", path, f"{label} must have name {label!r} and created {TLP2_CREATED}"
        )


def _no_self_reference(obj: dict[str, Any], mid: Any, path: str, ctx: Context) -> None:
    """Section 7.2.1: a marking-definition's own markings never refer to itself."""
    refs = obj.get("object_marking_refs")
    if isinstance(refs, list):
        for i, r in enumerate(refs):
            if r == mid:
                ctx.error(
                    "marking-circular",
                    f"{path}.object_marking_refs[{i}]",
                    "a marking-definition must not mark itself (circular reference)",
                )
    granular = obj.get("granular_markings")
    if isinstance(granular, list):
        for i, g in enumerate(granular):
            if isinstance(g, dict) and g.get("marking_ref") == mid:
                ctx.error(
                    "marking-circular",
                    f"{path}.granular_markings[{i}].marking_ref",
                    "a marking-definition must not mark itself (circular reference)",
                )
