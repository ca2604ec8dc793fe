"""Types of the optional C loop of PatternIndex (``_speedups.c``)."""

from collections.abc import Callable, Mapping
from typing import Any

def candidates(
    probes_by_type: Mapping[str, tuple[tuple[Any, ...], ...]],
    scos: dict[Any, Any],
    found: set[str],
    unreadable: set[str] | None,
    slow_probe: Callable[..., str | None],
    slow_object: Callable[..., set[str] | None],
    like_text: Callable[[Any], str | None],
    /,
) -> set[str] | None: ...
