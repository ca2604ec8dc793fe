"""Side-by-side benchmark of stixhub's pattern engine and the OASIS reference tools.

One command, one run, same inputs for both sides; prints times and ratios:

    .venv/bin/python bench/bench_patterns.py [--patterns 1000] [--observations 1000]
        [--indicators 100000] [--events 1000000]

The defaults are small so the script finishes in about a minute; the sizes of issue 4 are
given by the flags. stix2-matcher is run on a sample and scaled, because its full run takes
hours.
"""

import argparse
import random
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

from stixhub.stix.patterns import PatternIndex, check_pattern, compile_pattern

warnings.simplefilter("ignore")


def _timed(job: Callable[[], Any]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def _patterns(rng: random.Random, count: int) -> list[str]:
    out = []
    for i in range(count):
        kind = i % 6
        if kind == 0:
            out.append(f"[ipv4-addr:value = '10.{rng.randrange(256)}.{rng.randrange(256)}.1']")
        elif kind == 1:
            out.append(f"[file:hashes.'SHA-256' = '{rng.getrandbits(256):064x}']")
        elif kind == 2:
            out.append(f"[domain-name:value = 'h{rng.randrange(10**6)}.example']")
        elif kind == 3:
            out.append(f"[ipv4-addr:value ISSUBSET '172.{rng.randrange(32)}.0.0/16']")
        elif kind == 4:
            out.append(f"[url:value = 'http://u{rng.randrange(10**6)}.example/x']")
        else:
            out.append(
                f"[domain-name:value = 'a{i}.example'] FOLLOWEDBY "
                f"[url:value = 'http://a{i}.example/'] WITHIN 60 SECONDS"
            )
    return out


def _event(rng: random.Random, number: int) -> dict[str, Any]:
    return {
        "type": "observed-data",
        "id": f"observed-data--{number}",
        "first_observed": "2024-06-01T00:00:00Z",
        "last_observed": "2024-06-01T00:00:00Z",
        "number_observed": 1,
        "objects": {
            "0": {"type": "ipv4-addr", "value": f"10.{rng.randrange(256)}.{rng.randrange(256)}.1"},
            "1": {"type": "domain-name", "value": f"h{rng.randrange(10**6)}.example"},
        },
    }


def bench_parse(patterns: list[str]) -> None:
    from stix2patterns.validator import run_validator  # noqa: PLC0415  test peer

    ours = _timed(lambda: [check_pattern(p) for p in patterns])
    theirs = _timed(lambda: [run_validator(p) for p in patterns])
    print(
        f"parse+check {len(patterns)} patterns: stixhub {ours:.3f}s, "
        f"stix2-patterns {theirs:.3f}s, ratio {theirs / ours:.1f}x"
    )


def bench_match(patterns: list[str], events: list[dict[str, Any]]) -> None:
    from stix2matcher.matcher import Pattern as RefPattern  # noqa: PLC0415  test peer

    compiled = [compile_pattern(p) for p in patterns]
    ours = _timed(lambda: [[c.match(e) for e in events] for c in compiled])
    sample = patterns[: max(1, len(patterns) // 50)]
    ref = [RefPattern(p, "2.0") for p in sample]
    theirs = _timed(lambda: [[r.match([e]) for e in events] for r in ref])
    theirs *= len(patterns) / len(sample)
    print(
        f"match {len(patterns)} patterns x {len(events)} observations: stixhub {ours:.2f}s, "
        f"stix2-matcher ~{theirs:.2f}s (scaled from {len(sample)} patterns), "
        f"ratio {theirs / ours:.1f}x"
    )


def bench_index(rng: random.Random, indicators: int, events: int) -> None:
    patterns = _patterns(rng, indicators)
    tracemalloc.start()
    build_start = time.perf_counter()
    index = PatternIndex(
        {"id": f"indicator--{i}", "pattern": p, "modified": "2024-01-01T00:00:00Z",
         "valid_from": "2024-01-01T00:00:00Z"}
        for i, p in enumerate(patterns)
    )  # fmt: skip
    build = time.perf_counter() - build_start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stream = [_event(rng, n) for n in range(events)]
    hits = 0

    def run() -> None:
        nonlocal hits
        for event in stream:
            hits += len(index.match(event))

    seconds = _timed(run)
    print(
        f"index {indicators} indicators: built in {build:.1f}s, peak {peak / 2**20:.0f} MiB; "
        f"{events} events in {seconds:.2f}s = {events / seconds:,.0f} events/s, {hits} hits"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=int, default=300)
    parser.add_argument("--observations", type=int, default=300)
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(4)
    patterns = _patterns(rng, args.patterns)
    bench_parse(patterns)
    bench_match(patterns, [_event(rng, n) for n in range(args.observations)])
    bench_index(rng, args.indicators, args.events)


if __name__ == "__main__":
    main()
