"""Types of the optional C Zeek line readers (``_speedups.c``)."""

from typing import Any

from stixhub.sensor.events import Event

def conn(config: tuple[Any, ...], line: str, number: int, /) -> Event | None: ...
def dns(config: tuple[Any, ...], line: str, number: int, /) -> Event | None: ...
