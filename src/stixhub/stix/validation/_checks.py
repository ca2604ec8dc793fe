"""Value checkers: small closures built once, then applied to every object of a type.

A checker is ``check(value, path, ctx)``. It reports what is wrong with ``value`` (found at
JSON path ``path``) into ``ctx`` and returns nothing. Building them as closures when the
validator is prepared keeps the per-object work to dictionary look-ups and calls.
"""

import codecs
import re
from collections.abc import Callable, Iterable
from typing import Any

from stixhub.stix.validation._context import Context
from stixhub.stix.validation._findings import member
from stixhub.stix.validation._primitives import (
    MAX_INT,
    PROPERTY_NAME,
    id_type,
    is_base64,
    is_hex,
    is_lang_tag,
    timestamp_problem,
)
from stixhub.stix.validation._vocab import ENUMS, OPEN_VOCABULARIES

__all__ = [
    "BINARY",
    "BOOLEAN",
    "DICTIONARY",
    "EXTERNAL_REFERENCES",
    "FLOAT",
    "HASHES",
    "HEX",
    "INTEGER",
    "KILL_CHAIN_PHASES",
    "LANG",
    "STRING",
    "STRINGS",
    "TIMESTAMP",
    "TIMESTAMP_MS",
    "Check",
    "Targets",
    "charset",
    "check_custom_value",
    "enum",
    "enums",
    "integer",
    "list_of",
    "no_big_integers",
    "number",
    "obj",
    "open_vocab",
    "open_vocabs",
    "ref",
    "refs",
    "string",
]

Check = Callable[[Any, str, Context], None]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def string(pattern: re.Pattern[str] | None = None, what: str = "", *, must: bool = True) -> Check:
    """A string; with ``pattern``, one that matches it (an error, or a warning for a SHOULD)."""

    def check(value: Any, path: str, ctx: Context) -> None:
        if not isinstance(value, str):
            ctx.error("type", path, f"must be a string, not {_kind(value)}")
        elif pattern is not None and pattern.fullmatch(value) is None:
            report = ctx.error if must else ctx.warn
            report("format", path, f"{_short(value)} is not {what}")

    return check


STRING = string()


def _boolean(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, bool):
        ctx.error("type", path, f"must be a boolean (true or false), not {_kind(value)}")


BOOLEAN: Check = _boolean


def integer(minimum: int = -MAX_INT, maximum: int = MAX_INT) -> Check:
    """An integer within [minimum, maximum] (section 2.10 caps it at 2^53 - 1 anyway)."""

    def check(value: Any, path: str, ctx: Context) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.error("type", path, f"must be an integer, not {_kind(value)}")
        elif not minimum <= value <= maximum:
            ctx.error("range", path, f"{value} is outside the range {minimum} to {maximum}")

    return check


INTEGER = integer()


def number(minimum: float | None = None, maximum: float | None = None) -> Check:
    """A JSON number (section 2.6 floats accept integers too), optionally within a range."""

    def check(value: Any, path: str, ctx: Context) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            ctx.error("type", path, f"must be a number, not {_kind(value)}")
        elif (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            ctx.error("range", path, f"{value} is outside the range {minimum} to {maximum}")
        elif value.__class__ is int and not -MAX_INT <= value <= MAX_INT:
            _big_integer(value, path, ctx)

    return check


FLOAT = number()


def _timestamp(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, str):
        ctx.error("timestamp", path, f"must be a timestamp string, not {_kind(value)}")
        return
    problem = timestamp_problem(value)
    if problem is not None:
        ctx.error("timestamp", path, f"{_short(value)} {problem}")


def _timestamp_ms(value: Any, path: str, ctx: Context) -> None:
    """created and modified: at least millisecond precision (section 3.2)."""
    if not isinstance(value, str):
        ctx.error("timestamp", path, f"must be a timestamp string, not {_kind(value)}")
        return
    problem = timestamp_problem(value)
    if problem is not None:
        ctx.error("timestamp", path, f"{_short(value)} {problem}")
    elif len(value) < 24 or value[19] != ".":
        name = path.rsplit(".", 1)[-1]
        ctx.error(
            "timestamp-precision",
            path,
            f"{name} {value} must have at least millisecond precision (e.g. .000Z)",
        )


TIMESTAMP: Check = _timestamp
TIMESTAMP_MS: Check = _timestamp_ms


def _hex(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, str):
        ctx.error("type", path, f"must be a hex string, not {_kind(value)}")
    elif not is_hex(value):
        ctx.error("hex", path, f"{_short(value)} is not an even number of lower-case hex digits")


def _binary(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, str):
        ctx.error("type", path, f"must be a base64 string, not {_kind(value)}")
    elif not is_base64(value):
        ctx.error("binary", path, f"{_short(value)} is not base64 (RFC 4648)")


HEX: Check = _hex
BINARY: Check = _binary


def _lang(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, str):
        ctx.error("type", path, f"must be a language tag string, not {_kind(value)}")
    elif not is_lang_tag(value):
        ctx.error("language", path, f"{_short(value)} is not an RFC 5646 language tag")


LANG: Check = _lang


# Checkers whose every passing value is recognised by a cheap test: the list and property
# loops skip the call (and the JSON path they would build for it) when the test holds.
QUICK: dict[Check, Callable[[Any], bool]] = {
    STRING: str.__instancecheck__,
    BOOLEAN: bool.__instancecheck__,
}


def list_of(item: Check) -> Check:
    """A non-empty list whose every item passes ``item`` (section 2.12)."""
    quick = QUICK.get(item)

    def check(value: Any, path: str, ctx: Context) -> None:
        if not isinstance(value, list):
            ctx.error("type", path, f"must be a list, not {_kind(value)}")
        elif not value:
            ctx.error("empty-list", path, "must not be an empty list")
        elif quick is None or not all(map(quick, value)):
            for i, v in enumerate(value):
                item(v, f"{path}[{i}]", ctx)

    return check


STRINGS = list_of(STRING)


def open_vocab(name: str) -> Check:
    """A string that SHOULD come from an open vocabulary (section 2.14)."""
    values = OPEN_VOCABULARIES[name]

    def check(value: Any, path: str, ctx: Context) -> None:
        if not isinstance(value, str):
            ctx.error("type", path, f"must be a string, not {_kind(value)}")
        elif value not in values:
            ctx.warn("vocabulary", path, f"{_short(value)} is not a value of {name}")
            if value.lower() != value or " " in value or "_" in value:
                ctx.warn(
                    "vocabulary-format",
                    path,
                    f"{_short(value)} should be lower case with hyphens instead of "
                    "spaces or underscores",
                )

    QUICK[check] = lambda v: isinstance(v, str) and v in values
    return check


def open_vocabs(name: str) -> Check:
    return list_of(open_vocab(name))


def enum(name: str) -> Check:
    """A string from a closed enumeration; anything else breaks a MUST (section 2.4)."""
    values = ENUMS[name]

    def check(value: Any, path: str, ctx: Context) -> None:
        if not isinstance(value, str):
            ctx.error("type", path, f"must be a string, not {_kind(value)}")
        elif value not in values:
            ctx.error(
                "enumeration",
                path,
                f"{_short(value)} is not a value of {name} ({', '.join(sorted(values))})",
            )

    return check


def enums(name: str) -> Check:
    return list_of(enum(name))


_DICT_KEY = re.compile(r"[a-zA-Z0-9_-]{1,250}")


def _dictionary_keys(value: dict[str, Any], path: str, ctx: Context) -> None:
    for key in value:
        if _DICT_KEY.fullmatch(key) is None:
            ctx.error(
                "dictionary-key",
                member(path, key),
                f"dictionary key {_short(key)} must be 1 to 250 ASCII letters, digits, '-' or '_'",
            )
        elif not key.islower() and any(c.isalpha() for c in key):
            ctx.warn(
                "dictionary-key-case",
                member(path, key),
                f"dictionary key {key!r} should be lower case",
            )


def dictionary(values: Check | None = None) -> Check:
    """A non-empty dictionary with keys as section 2.3 requires."""

    def check(value: Any, path: str, ctx: Context) -> None:
        if not isinstance(value, dict):
            ctx.error("type", path, f"must be a dictionary, not {_kind(value)}")
        elif not value:
            ctx.error("empty-dictionary", path, "must not be an empty dictionary")
        else:
            _dictionary_keys(value, path, ctx)
            if values is not None:
                for k, v in value.items():
                    values(v, member(path, k), ctx)
            else:
                for k, v in value.items():
                    _no_empty_lists(v, member(path, k), ctx)

    return check


DICTIONARY = dictionary()


def _no_empty_lists(value: Any, path: str, ctx: Context, *, empty_lists: bool = True) -> None:
    """Walk a value the spec gives no type (dictionary values, custom properties): lists
    are never empty (section 2.12, unless ``empty_lists`` is False) and integers stay within
    I-JSON's exact range (section 2.10), at any depth."""
    if isinstance(value, list):
        if not value and empty_lists:
            ctx.error("empty-list", path, "must not be an empty list")
        for i, v in enumerate(value):
            if isinstance(v, list | dict) or v.__class__ is int:
                _no_empty_lists(v, f"{path}[{i}]", ctx, empty_lists=empty_lists)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, list | dict) or v.__class__ is int:
                _no_empty_lists(v, member(path, k), ctx, empty_lists=empty_lists)
    elif value.__class__ is int and not -MAX_INT <= value <= MAX_INT:
        _big_integer(value, path, ctx)


def no_big_integers(value: Any, path: str, ctx: Context) -> None:
    """Only the integer rule of ``_no_empty_lists``: for content whose other rules belong to
    an extension (extension-defined objects and extension properties)."""
    if isinstance(value, list | dict) or value.__class__ is int:
        _no_empty_lists(value, path, ctx, empty_lists=False)


def _big_integer(value: int, path: str, ctx: Context) -> None:
    ctx.error(
        "range",
        path,
        f"integer {_short(value)} is outside the exact range of JSON numbers, "
        "-(2^53-1) to 2^53-1 (section 2.10, I-JSON)",
    )


# Section 2.7 and 10.7: the format of each hash algorithm of hash-algorithm-ov.
_HASH_FORMATS: dict[str, re.Pattern[str]] = {
    "MD5": re.compile(r"[0-9a-fA-F]{32}"),
    "SHA-1": re.compile(r"[0-9a-fA-F]{40}"),
    "SHA-256": re.compile(r"[0-9a-fA-F]{64}"),
    "SHA-512": re.compile(r"[0-9a-fA-F]{128}"),
    "SHA3-256": re.compile(r"[0-9a-fA-F]{64}"),
    "SHA3-512": re.compile(r"[0-9a-fA-F]{128}"),
    "SSDEEP": re.compile(r"[0-9]{1,20}:[A-Za-z0-9/+]{0,128}:[A-Za-z0-9/+]{0,128}(?:,\"[^\"]*\")?"),
    "TLSH": re.compile(r"(?:T1)?[0-9a-fA-F]{70}"),
}
_HASH_NAME = re.compile(r"[a-zA-Z0-9_-]{3,250}")
_HASH_ALIASES = {k.replace("-", "").lower(): k for k in _HASH_FORMATS}


def _hashes(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, dict):
        ctx.error("type", path, f"must be a hashes dictionary, not {_kind(value)}")
        return
    if not value:
        ctx.error("empty-dictionary", path, "must not be an empty dictionary")
        return
    for key, digest in value.items():
        fmt = _HASH_FORMATS.get(key)
        if fmt is not None and isinstance(digest, str) and fmt.fullmatch(digest) is not None:
            continue  # the common case: a known algorithm with a well-formed digest
        at = member(path, key)
        if not isinstance(digest, str):
            ctx.error("type", at, f"a hash value must be a string, not {_kind(digest)}")
            continue
        if fmt is not None:
            ctx.error("hash", at, f"{_short(digest)} is not a {key} hash")
        elif _HASH_NAME.fullmatch(key) is None:
            ctx.error(
                "hash-name",
                at,
                f"hash algorithm name {key!r} must be 3 to 250 letters, digits, '-' or '_'",
            )
        else:
            known = _HASH_ALIASES.get(key.replace("-", "").replace("_", "").lower())
            hint = f"; use {known!r}" if known else ""
            ctx.warn("vocabulary", at, f"{key!r} is not a value of hash-algorithm-ov{hint}")


HASHES: Check = _hashes


class Targets:
    """Which object types an id reference may point to (section 3.3).

    ``custom`` lets unknown (custom or extension-defined) types through, for the references
    the spec states by category ("an SDO", "an SCO") rather than by a list of types.
    """

    __slots__ = ("custom", "describe", "types")

    def __init__(self, types: Iterable[str], describe: str, *, custom: bool = False) -> None:
        self.types = frozenset(types)
        self.describe = describe
        self.custom = custom


def ref(targets: Targets | None, known_types: frozenset[str]) -> Check:
    """An identifier of the form ``<type>--<UUID>`` naming an allowed type."""

    def check(value: Any, path: str, ctx: Context) -> None:
        if not isinstance(value, str):
            ctx.error("type", path, f"must be an identifier string, not {_kind(value)}")
            return
        target = id_type(value)
        if target is None:
            ctx.error("reference", path, f"{_short(value)} is not an identifier (<type>--<UUID>)")
            return
        if target == "bundle":
            ctx.error(
                "reference-type", path, f"{value} refers to a bundle, which is not a STIX object"
            )
        elif targets is not None and target not in targets.types:
            if targets.custom and target not in known_types:
                return
            name = path.rsplit(".", 1)[-1]
            ctx.error(
                "reference-type",
                path,
                f"{name}: {value} must refer to {targets.describe}, not to a {target}",
            )

    return check


def refs(targets: Targets | None, known_types: frozenset[str]) -> Check:
    return list_of(ref(targets, known_types))


def charset(value: Any, path: str, ctx: Context) -> None:
    """``*_enc`` properties: an IANA character set name (sections 6.3, 6.7)."""
    if not isinstance(value, str):
        ctx.error("type", path, f"must be a string, not {_kind(value)}")
        return
    try:
        codecs.lookup(value)
    except LookupError:
        ctx.error("charset", path, f"{_short(value)} is not an IANA character set name")


def _kill_chain_phase(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, dict):
        ctx.error("type", path, f"a kill chain phase must be an object, not {_kind(value)}")
        return
    for name in ("kill_chain_name", "phase_name"):
        v = value.get(name)
        if v is None:
            ctx.error("required", f"{path}.{name}", f"a kill chain phase requires {name}")
        elif not isinstance(v, str):
            ctx.error("type", f"{path}.{name}", f"must be a string, not {_kind(v)}")
        elif v.lower() != v or " " in v or "_" in v:
            ctx.warn(
                "kill-chain-format",
                f"{path}.{name}",
                f"{name} {v!r} should be lower case with hyphens instead of spaces or underscores",
            )
    for key in value:
        if key not in ("kill_chain_name", "phase_name"):
            ctx.custom(
                "custom-property",
                member(path, key),
                f"custom property {key!r} in a kill chain phase",
            )
            no_big_integers(value[key], member(path, key), ctx)


KILL_CHAIN_PHASES = list_of(_kill_chain_phase)

_EXTREF_PROPS: dict[str, Check] = {
    "source_name": STRING,
    "description": STRING,
    "url": STRING,
    "hashes": HASHES,
    "external_id": STRING,
}


def _external_reference(value: Any, path: str, ctx: Context) -> None:
    if not isinstance(value, dict):
        ctx.error("type", path, f"an external reference must be an object, not {_kind(value)}")
        return
    for key, v in value.items():
        check = _EXTREF_PROPS.get(key)
        if check is not None:
            check(v, f"{path}.{key}", ctx)
        else:
            check_custom_value(key, v, member(path, key), ctx, "an external reference")
    if "source_name" not in value:
        ctx.error("required", f"{path}.source_name", "an external reference requires source_name")
    if not ("description" in value or "url" in value or "external_id" in value):
        ctx.error(
            "external-reference",
            path,
            "an external reference needs at least one of description, url or external_id",
        )
    if "url" in value and "hashes" not in value:
        ctx.warn(
            "external-reference-hashes",
            path,
            "an external reference with a url should carry hashes of its content",
        )


EXTERNAL_REFERENCES = list_of(_external_reference)

_RESERVED = frozenset({"severity", "action", "username", "phone_numbers", "phone_number"})


def check_custom_value(name: str, value: Any, path: str, ctx: Context, where: str) -> None:
    """A property the spec does not define: named by the rules of section 3.1, reported
    as custom content, and typed by its suffix (``_ref``, ``_refs``, ``_hex``, ``_bin``)."""
    if name in _RESERVED:
        ctx.error("reserved-property", path, f"{name!r} is a reserved property name (section 3.8)")
        return
    if PROPERTY_NAME.fullmatch(name) is None:
        ctx.error(
            "property-name",
            path,
            f"property name {_short(name)} must be 3 to 250 characters of a-z, 0-9 and '_', "
            "starting with a letter",
        )
    else:
        ctx.custom("custom-property", path, f"custom property {name!r} is not defined for {where}")
    suffix_check = _SUFFIX_CHECKS.get(name.rsplit("_", 1)[-1]) if "_" in name else None
    if suffix_check is not None:
        suffix_check(value, path, ctx)
    else:
        _no_empty_lists(value, path, ctx)


_SUFFIX_CHECKS: dict[str, Check] = {
    "ref": ref(None, frozenset()),
    "refs": refs(None, frozenset()),
    "hex": HEX,
    "bin": BINARY,
}


def obj(
    props: dict[str, Check],
    required: tuple[str, ...] = (),
    what: str = "this object",
    *,
    at_least_one: bool = False,
    extra: Callable[[dict[str, Any], str, Context], None] | None = None,
) -> Check:
    """A nested object (an extension, a MIME part, a registry value...) with known
    properties; others are custom content."""

    def check(value: Any, path: str, ctx: Context) -> None:
        if not isinstance(value, dict):
            ctx.error("type", path, f"{what} must be an object, not {_kind(value)}")
            return
        for key, v in value.items():
            c = props.get(key)
            if c is not None:
                c(v, f"{path}.{key}", ctx)
            else:
                check_custom_value(key, v, member(path, key), ctx, what)
        for name in required:
            if name not in value:
                ctx.error("required", f"{path}.{name}", f"{what} requires {name}")
        if at_least_one and not value:
            ctx.error("empty-object", path, f"{what} must contain at least one property")
        if extra is not None:
            extra(value, path, ctx)

    return check
