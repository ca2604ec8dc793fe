"""Regular expressions for MATCHES that cannot backtrack without bound.

STIX 2.1 section 9.6.1 names PCRE as the dialect of MATCHES, but a PCRE engine backtracks, and
a hostile pattern from a feed (``(a+)+$``) would hang a consumer on a long value. stixhub runs
MATCHES through RE2 (the ``google-re2`` package), whose automaton runs in time linear in the
input. RE2 accepts the PCRE syntax except for the constructs that need backtracking or that it
never implemented (back-references, look-around, atomic groups, possessive quantifiers,
recursion, conditionals, ``\\K``, ``\\G``, ``\\R``, ``\\h``, ``(?x)`` ...; the full list, checked
against RE2, is in ``docs/patterns.md``).

An expression that uses one of them is valid STIX that stixhub cannot evaluate safely:
``compile_regex`` raises ``UnsupportedRegex`` for it (the checker reports a warning, the matcher
raises when a value has to be tested). An expression RE2 refuses for any other reason is no
PCRE either and raises ``InvalidRegex`` (an error of the pattern).
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from stixhub.stix.patterns._errors import InvalidRegex, UnsupportedRegex

__all__ = ["MAX_REGEX_LENGTH", "compile_regex", "pcre_only_construct"]

MAX_REGEX_LENGTH = 10_000
# RE2 bounds the memory of one compiled program; 8 MiB keeps large alternations working.
_MAX_MEM = 8 << 20
# RE2 refuses repetition counts above 1000; PCRE accepts up to 65535.
_RE2_MAX_COUNT, _PCRE_MAX_COUNT = 1000, 65535

Searcher = Callable[[str], bool]

# Escapes PCRE knows and RE2 refuses: \Z \R \h \H \e \G \K \X \N \V, \cX, \k<name>, \g1, \1,
# \o{...}. (\u, \U, \L, \l, \F are errors in PCRE too.)
_PCRE_ESCAPES = frozenset("ZRhHeGKXNV")
# What may follow "(?" in PCRE but not in RE2: look-around, atomic and branch-reset groups,
# comments, recursion and subroutine calls, conditionals, named groups in quotes and named
# back-references.
_PCRE_GROUPS = ("=", "!", "<=", "<!", ">", "|", "#", "'", "&", "R", "P>", "P=", "(", "+", "-")
_RE2_FLAGS = frozenset("imsU-")


def _escape(expression: str, i: int) -> str | None:
    """The PCRE-only construct of the escape at ``expression[i] == '\\'``, if it is one."""
    nxt = expression[i + 1 : i + 2]
    after = expression[i + 2 : i + 3]
    if nxt in _PCRE_ESCAPES and nxt:
        return "\\" + nxt
    if nxt == "c" and after:
        return "\\c" + after
    if (nxt == "k" and after in ("<", "'", "{")) or nxt == "g":
        return "\\" + nxt + after
    if nxt.isdigit() and nxt != "0":
        return "\\" + nxt  # a back-reference (RE2 reads only \0 and \0nn as octal)
    if nxt == "o" and after == "{":
        return "\\o{"
    return None


def _group(expression: str, i: int) -> str | None:
    """The PCRE-only construct of the group opening at ``expression[i] == '('``, if any."""
    if expression.startswith("(*", i) and expression[i + 2 : i + 3].isupper():
        return expression[i : expression.find(")", i) + 1 or None]  # a verb such as (*UTF8)
    if not expression.startswith("(?", i):
        return None
    rest = expression[i + 2 :]
    if rest[:1].isdigit() or rest.startswith(_PCRE_GROUPS):
        if rest.startswith(("+", "-")) and not rest[1:2].isdigit():
            pass  # (?-i) turns a flag off
        else:
            return "(?" + (rest[:2] if rest[:1] in "<P" else rest[:1])
    flags = ""
    for char in rest:
        if char in ":)":
            break
        if not char.isalpha() and char != "-":
            return None
        flags += char
    else:
        return None
    unknown = [char for char in flags if char not in _RE2_FLAGS]
    return f"(?{unknown[0]})" if unknown else None


def _count(expression: str, i: int) -> str | None:
    """``{m}``, ``{m,}`` or ``{m,n}`` at ``i`` with a count RE2 refuses but PCRE accepts."""
    end = expression.find("}", i)
    if end < 0:
        return None
    body = expression[i + 1 : end]
    parts = body.split(",")
    if len(parts) > 2 or not all(p.isdigit() for p in parts if p) or not parts[0]:
        return None
    numbers = [int(p) for p in parts if p]
    if max(numbers) > _RE2_MAX_COUNT and max(numbers) <= _PCRE_MAX_COUNT:
        return f"a repetition count over {_RE2_MAX_COUNT} ({{{body}}})"
    return None


def pcre_only_construct(expression: str) -> str | None:  # noqa: PLR0912  one scanner
    """The first construct of PCRE that RE2 does not implement in ``expression``, if any.

    A light scanner, not a PCRE parser: it skips escaped characters, ``\\Q...\\E`` and the
    insides of character classes (where only the escapes are looked at).
    """
    i, n, in_class = 0, len(expression), False
    while i < n:
        char = expression[i]
        if char == "\\":
            if expression.startswith("\\Q", i):
                end = expression.find("\\E", i + 2)
                i = n if end < 0 else end + 2
                continue
            found = _escape(expression, i)
            if found is not None:
                return found
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            i += 1
            continue
        if char == "[":
            in_class = True
            i += 1
            if expression.startswith("^", i):
                i += 1
            if expression.startswith("]", i):
                i += 1
            continue
        if char == "(":
            found = _group(expression, i)
            if found is not None:
                return found
        elif char in "*+?}" and expression.startswith("+", i + 1):
            return f"the possessive quantifier {char}+"
        elif char == "{":
            found = _count(expression, i)
            if found is not None:
                return found
        i += 1
    return None


def _re2_module() -> Any:
    try:
        import re2  # type: ignore[import-untyped]  # noqa: PLC0415  optional at import time
    except ImportError:  # pragma: no cover - the package is a declared dependency
        raise UnsupportedRegex(
            "MATCHES needs the google-re2 package (a linear-time regular-expression engine)"
        ) from None
    return re2


@lru_cache(maxsize=4096)
def compile_regex(expression: str) -> Searcher:
    """Compile a MATCHES expression once; the result answers "does it match anywhere?".

    Raises ``UnsupportedRegex`` for valid PCRE that RE2 cannot run (or that is too large to
    run safely) and ``InvalidRegex`` for an expression that is not a regular expression.
    """
    if len(expression) > MAX_REGEX_LENGTH:
        raise UnsupportedRegex(f"regular expression is longer than {MAX_REGEX_LENGTH} characters")
    re2 = _re2_module()
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_MEM
    options.dot_nl = True  # section 9.6.1: "The DOTALL option MUST be specified"
    try:
        compiled = re2.compile(expression, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        construct = pcre_only_construct(expression)
        if construct is not None:
            raise UnsupportedRegex(
                f"regular expression uses {construct}, which is PCRE but not supported by the "
                "linear-time engine (RE2): stixhub cannot evaluate it"
            ) from None
        if "too large" in str(detail) or "too big" in str(detail):
            raise UnsupportedRegex(
                f"regular expression is too large for the linear-time engine: {detail}"
            ) from None
        raise InvalidRegex(f"regular expression is not valid: {detail}") from None

    def search(value: str) -> bool:
        return compiled.search(value) is not None

    return search
