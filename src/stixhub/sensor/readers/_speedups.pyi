"""Types of the optional C Zeek line readers (``_speedups.c``)."""

from typing import Any

from stixhub.sensor.events import Event

def conn_block(
    config: tuple[Any, ...], lines: list[str], start: int, first_number: int, out: list[Event], /
) -> int: ...
def dns_block(
    config: tuple[Any, ...], lines: list[str], start: int, first_number: int, out: list[Event], /
) -> int: ...
