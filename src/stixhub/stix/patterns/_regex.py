"""Regular expressions for MATCHES that cannot backtrack without bound.

STIX 2.1 section 9.5 names PCRE as the dialect of MATCHES, but a PCRE engine backtracks, and
a hostile pattern from a feed (``(a+)+$``) would hang a consumer on a long value. stixhub runs
MATCHES through RE2 (the ``google-re2`` package), whose automaton runs in time linear in the
input. RE2 accepts the PCRE syntax except for the constructs that need backtracking:
backreferences (``\\1``), look-ahead and look-behind, atomic groups, possessive quantifiers,
recursion and conditionals; a pattern using them is refused with ``UnsupportedRegex``
instead of being matched differently. The dialect is described in ``docs/patterns.md``.
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from stixhub.stix.patterns._errors import UnsupportedRegex

__all__ = ["MAX_REGEX_LENGTH", "compile_regex"]

MAX_REGEX_LENGTH = 10_000
# RE2 bounds the memory of one compiled program; 8 MiB keeps large alternations working.
_MAX_MEM = 8 << 20

Searcher = Callable[[str], bool]


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
    """Compile a MATCHES expression once; the result answers "does it match anywhere?"."""
    if len(expression) > MAX_REGEX_LENGTH:
        raise UnsupportedRegex(f"regular expression is longer than {MAX_REGEX_LENGTH} characters")
    re2 = _re2_module()
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_MEM
    try:
        compiled = re2.compile(expression, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise UnsupportedRegex(
            f"regular expression is not valid in the supported RE2 dialect: {detail}"
        ) from None

    def search(value: str) -> bool:
        return compiled.search(value) is not None

    return search
