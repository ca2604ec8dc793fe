"""Side-by-side benchmark of stixhub's pattern engine and the OASIS reference tools (issue 4).

One command, one run, the same inputs for both sides; prints times and ratios:

    .venv/bin/python bench/patterns.py            # the sizes of issue 4
    .venv/bin/python bench/patterns.py --quick    # a smaller run for a quick check

1. Parsing 1,000 patterns: ``parse_pattern`` vs stix2-patterns' parser, and the full check
   (``check_pattern`` vs ``run_validator``), each timed on its own.
2. Matching 1,000 patterns x 1,000 observations vs stix2-matcher, the full product on both
   sides (about two minutes of stix2-matcher here), with the same STIX 2.1 bundles and the
   2.1 grammar on both; prints how many of the 1,000,000 verdicts agree and the first
   differences. ``--matcher-sample N`` runs stix2-matcher on N patterns only and says so.
3. ``PatternIndex`` with 100,000 indicators (IPv4, IPv6, domains, URLs, hashes, CIDR ranges,
   LIKE prefixes and suffixes, multi-observable patterns) over 1,000,000 generated events,
   in events/s, plus the memory the index takes (RSS growth while building it) and the peak
   traced allocation of building it (tracemalloc, measured on a separate build).

Times are CPU seconds of this process (``time.process_time``) so that other work on a shared
machine counts as little as possible; for parsing, the best of interleaved rounds of both
sides. Wall times are shown beside the longer jobs. The index runs on one core (one thread).
"""

import argparse
import gc
import platform
import random
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from stixhub.stix.patterns import PatternIndex, check_pattern, compile_pattern, parse_pattern

warnings.simplefilter("ignore")

_EPOCH = 1_717_200_000  # 2024-06-01T00:00:00Z
# Chance that a generated value is one an indicator names. With 3-6 values per event and the
# CIDR ranges, about one event in ten then reaches an indicator: far more than real traffic,
# so the cost of confirming hits is not hidden.
HIT_RATE = 0.01


def _cpu(job: Callable[[], Any], repeat: int = 1) -> tuple[float, float]:
    """Best CPU seconds and the wall seconds of that run, over ``repeat`` runs."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        gc.collect()
        wall = time.perf_counter()
        cpu = time.process_time()
        job()
        best = min(best, (time.process_time() - cpu, time.perf_counter() - wall))
    return best


def _stamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


# -- generated values ----------------------------------------------------------------------------
def _ipv4(rng: random.Random) -> str:
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"


def _ipv6(rng: random.Random) -> str:
    return f"2001:db8:{rng.randrange(65536):x}:{rng.randrange(65536):x}::{rng.randrange(65536):x}"


def _domain(rng: random.Random) -> str:
    return f"h{rng.randrange(10**7)}.{rng.choice(['example', 'test', 'invalid'])}"


def _url(rng: random.Random) -> str:
    return f"http://{_domain(rng)}/p/{rng.randrange(10**6)}"


def _sha256(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _md5(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


class _Values:
    """Values the indicators use, so that some events can be made to carry them."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[str]] = {}

    def keep(self, kind: str, value: str) -> str:
        self.by_kind.setdefault(kind, []).append(value)
        return value

    def pick(self, rng: random.Random, kind: str, fresh: Callable[[random.Random], str]) -> str:
        """Mostly a fresh value; with probability HIT_RATE one an indicator names (a hit)."""
        known = self.by_kind.get(kind)
        if known and rng.random() < HIT_RATE:
            return rng.choice(known)
        return fresh(rng)


def _indicator_pattern(rng: random.Random, i: int, values: _Values) -> str:  # noqa: PLR0911
    """One indicator of the kinds issue 4 lists, in a realistic mix."""
    kind = i % 20
    if kind < 5:
        return f"[ipv4-addr:value = '{values.keep('ipv4', _ipv4(rng))}']"
    if kind < 7:
        return f"[ipv6-addr:value = '{values.keep('ipv6', _ipv6(rng))}']"
    if kind < 10:
        return f"[domain-name:value = '{values.keep('domain', _domain(rng))}']"
    if kind < 12:
        return f"[url:value = '{values.keep('url', _url(rng))}']"
    if kind == 12:
        return f"[file:hashes.'SHA-256' = '{values.keep('sha256', _sha256(rng))}']"
    if kind == 13:
        a, b = values.keep("md5", _md5(rng)), values.keep("md5", _md5(rng))
        return f"[file:hashes.MD5 IN ('{a}', '{b}')]"
    if kind == 14:
        return f"[ipv4-addr:value ISSUBSET '{_ipv4(rng)}/{rng.choice([16, 20, 24, 28])}']"
    if kind == 15:
        return f"[ipv6-addr:value ISSUBSET '2001:db8:{rng.randrange(65536):x}::/48']"
    if kind == 16:
        return f"[domain-name:value LIKE '%.{values.keep('domain', _domain(rng))}']"
    if kind == 17:
        return f"[url:value LIKE 'http://{values.keep('domain', _domain(rng))}/%']"
    if kind == 18:
        domain = values.keep("domain", _domain(rng))
        return (
            f"[domain-name:value = '{domain}'] FOLLOWEDBY "
            f"[url:value = 'http://{domain}/'] WITHIN 600 SECONDS"
        )
    return (
        f"[ipv4-addr:value = '{values.keep('ipv4', _ipv4(rng))}' AND "
        f"ipv4-addr:value NOT LIKE '10.%'] OR "
        f"[file:hashes.'SHA-256' = '{values.keep('sha256', _sha256(rng))}' "
        f"AND file:size > 1000]"
    )


def _parse_patterns(rng: random.Random, count: int, values: _Values) -> list[str]:
    """Patterns for the parsing race: the index mix plus the other operators and qualifiers."""
    extra = [
        "[file:name MATCHES '^inv[0-9]+\\\\.exe$' AND file:size >= 1024]",
        "[process:command_line LIKE '%powershell%-enc%'] REPEATS 3 TIMES WITHIN 60 SECONDS",
        "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND "
        "network-traffic:dst_port IN (80, 443, 8080)]",
        "[email-message:from_ref.value = 'x@example.com'] START t'2024-01-01T00:00:00Z' "
        "STOP t'2024-02-01T00:00:00Z'",
        "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run' AND "
        "NOT EXISTS windows-registry-key:values[*].data]",
    ]
    out = []
    for i in range(count):
        if i % 5 == 4:
            out.append(extra[(i // 5) % len(extra)])
        else:
            out.append(_indicator_pattern(rng, i, values))
    return out


def _event(rng: random.Random, number: int, values: _Values) -> dict[str, Any]:
    """A log event as observed-data (STIX 2.0 form, objects embedded): a connection."""
    objects: dict[str, Any] = {
        "0": {"type": "ipv4-addr", "value": values.pick(rng, "ipv4", _ipv4)},
        "1": {"type": "ipv4-addr", "value": values.pick(rng, "ipv4", _ipv4)},
        "2": {"type": "domain-name", "value": values.pick(rng, "domain", _domain)},
    }
    if number % 2:
        objects["3"] = {"type": "url", "value": values.pick(rng, "url", _url)}
    if number % 5 == 0:
        objects["4"] = {"type": "ipv6-addr", "value": values.pick(rng, "ipv6", _ipv6)}
    if number % 3 == 0:
        objects["5"] = {
            "type": "file",
            "size": rng.randrange(10**6),
            "hashes": {
                "MD5": values.pick(rng, "md5", _md5),
                "SHA-256": values.pick(rng, "sha256", _sha256),
            },
        }
    stamp = _stamp(_EPOCH + number)
    return {
        "type": "observed-data",
        "id": f"observed-data--{number:08d}",
        "first_observed": stamp,
        "last_observed": stamp,
        "number_observed": 1,
        "objects": objects,
    }


def _as_bundle(event: dict[str, Any]) -> dict[str, Any]:
    """The same event in STIX 2.1 form: a bundle with SCOs referenced by object_refs."""
    scos = [
        {**obj, "id": f"{obj['type']}--{event['id'][-8:]}-{k}"}
        for k, obj in event["objects"].items()
    ]
    observed = {k: v for k, v in event.items() if k != "objects"}
    observed["object_refs"] = [sco["id"] for sco in scos]
    return {"type": "bundle", "id": "bundle--x", "objects": [observed, *scos]}


# -- the three races ---------------------------------------------------------------------------
def _race(ours: Callable[[], Any], theirs: Callable[[], Any], rounds: int) -> list[float]:
    """Best CPU seconds of each side over ``rounds`` interleaved runs (ours, theirs, ...).

    Interleaving makes both sides see the same load on a shared machine; the short side is
    run several times per round so that its best time is not one unlucky slice.
    """
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        best[0] = min(best[0], *(_cpu(ours)[0] for _ in range(3)))
        best[1] = min(best[1], _cpu(theirs)[0])
    return best


def bench_parse(patterns: list[str], rounds: int) -> None:
    from stix2patterns.v21.pattern import Pattern as RefPattern  # noqa: PLC0415  test peer
    from stix2patterns.validator import run_validator  # noqa: PLC0415  test peer

    for pattern in patterns:  # both sides must accept every input
        parse_pattern(pattern)
        RefPattern(pattern)
    n = len(patterns)
    ours, theirs = _race(
        lambda: [parse_pattern(p) for p in patterns],
        lambda: [RefPattern(p) for p in patterns],
        rounds,
    )
    print(
        f"parse {n} patterns: stixhub {ours:.4f}s ({ours / n * 1e6:.1f} us each), "
        f"stix2-patterns {theirs:.3f}s ({theirs / n * 1e6:.0f} us each): "
        f"{theirs / ours:.1f}x  [goal >= 20x]"
    )
    ours, theirs = _race(
        lambda: [check_pattern(p) for p in patterns],
        lambda: [run_validator(p) for p in patterns],
        rounds,
    )
    print(
        f"parse+check {n} patterns: stixhub check_pattern {ours:.4f}s ({ours / n * 1e6:.1f} us "
        f"each), stix2-patterns run_validator {theirs:.3f}s ({theirs / n * 1e6:.0f} us each): "
        f"{theirs / ours:.1f}x"
    )


def bench_match(patterns: list[str], events: list[dict[str, Any]], sample: int | None) -> None:
    """Every pattern against every observation on both sides, and whether they agree.

    Both sides get the same STIX 2.1 input: each observation as a bundle of an observed-data
    object and the SCOs it references, and each pattern compiled with the 2.1 grammar. With
    ``sample`` below the number of patterns, stix2-matcher runs only that many (chosen at
    random) and its total is extrapolated from its measured cost per pattern; the output
    then says so.
    """
    from stix2matcher.matcher import Pattern as RefPattern  # noqa: PLC0415  test peer

    bundles = [_as_bundle(e) for e in events]
    compiled = [compile_pattern(p) for p in patterns]
    ours_verdicts: list[list[bool]] = []

    def run_ours() -> None:
        ours_verdicts[:] = [[c.match(b).matched for b in bundles] for c in compiled]

    ours, ours_wall = _cpu(run_ours)
    n, m = len(patterns), len(events)
    chosen = list(range(n))
    if sample is not None and sample < n:
        chosen = sorted(random.Random(7).sample(range(n), sample))
    ref_verdicts: dict[int, list[bool | None]] = {}
    failures: dict[str, set[int]] = {}  # stix2-matcher's error -> the patterns that raised it

    def run_theirs() -> None:
        for i in chosen:
            ref = RefPattern(patterns[i], "2.1")
            row: list[bool | None] = []
            for bundle in bundles:
                try:
                    row.append(ref.match([bundle]) != [])
                except Exception as error:  # noqa: BLE001  a reference failure is counted
                    reason = str(error).partition(":")[0]  # without the value it names
                    failures.setdefault(f"{type(error).__name__}: {reason}", set()).add(i)
                    row.append(None)
            ref_verdicts[i] = row

    theirs, theirs_wall = _cpu(run_theirs)
    pairs = agree = errors = 0
    differing: list[tuple[int, int, bool, bool]] = []
    for i, row in ref_verdicts.items():
        for j, verdict in enumerate(row):
            if verdict is None:
                errors += 1
                continue
            pairs += 1
            if verdict == ours_verdicts[i][j]:
                agree += 1
            elif len(differing) < 5:
                differing.append((i, j, ours_verdicts[i][j], verdict))
    hits = sum(map(sum, ours_verdicts))
    per_pattern = theirs / len(chosen)
    print(
        f"match {n} patterns x {m} observations (STIX 2.1 bundles): stixhub {ours:.2f}s "
        f"(wall {ours_wall:.2f}s, {hits} matches)"
    )
    if len(chosen) == n:
        print(
            f"  stix2-matcher {theirs:.1f}s (wall {theirs_wall:.1f}s, {per_pattern * 1e3:.0f} ms "
            f"per pattern x {m} observations), full {n} x {m}: {theirs / ours:.1f}x"
        )
    else:
        estimate = per_pattern * n
        print(
            f"  stix2-matcher SAMPLED: {len(chosen)} of {n} patterns x {m} observations took "
            f"{theirs:.2f}s = {per_pattern * 1e3:.1f} ms per pattern; {n} patterns would take "
            f"~{estimate:.1f}s (extrapolated): ~{estimate / ours:.1f}x"
        )
    print(
        f"  verdicts agree on {agree:,} of the {pairs:,} pairs stix2-matcher decided "
        f"({agree / max(pairs, 1):.2%}); it raised instead of deciding on {errors:,} pairs"
    )
    for message, raised in failures.items():
        first = min(raised)
        print(
            f"  stix2-matcher raised {message[:100]!r} on {len(raised)} patterns, "
            f"e.g. pattern {first} {patterns[first]!r}"
        )
    for i, j, mine, ref_verdict in differing:
        print(
            f"  differs: pattern {i} {patterns[i]!r} x observation {j}: stixhub {mine}, "
            f"stix2-matcher {ref_verdict}"
        )


def _rss_mib() -> float:
    """Resident memory of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _chunks(rng: random.Random, total: int, values: _Values, size: int) -> Iterator[list[Any]]:
    for start in range(0, total, size):
        yield [_event(rng, n, values) for n in range(start, min(total, start + size))]


def _compare_loops(index: PatternIndex, events: list[dict[str, Any]], rounds: int = 4) -> None:
    """The C loop against the pure-Python one on the same events, interleaved, best of rounds.

    Both see the same machine load, which makes this the fair comparison of the two.
    """
    fast = index._fast
    if fast is None:
        print("index loops: the C loop is not built; only the Python loop ran")
        return
    best = {"C": 0.0, "Python": 0.0}
    for _ in range(rounds):
        for name, loop in (("C", fast), ("Python", None)):
            index._fast = loop
            gc.collect()
            c = time.process_time()
            for event in events:
                index.match(event)
            best[name] = max(best[name], len(events) / (time.process_time() - c))
    index._fast = fast
    print(
        f"index loops, {len(events):,} events, best of {rounds} interleaved rounds: "
        f"C {best['C']:,.0f}/s, Python {best['Python']:,.0f}/s, "
        f"ratio {best['C'] / best['Python']:.2f}x"
    )


def bench_index(rng: random.Random, indicators: int, events: int, bundles: int) -> None:
    values = _Values()
    docs = [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{i:08d}",
            "pattern": _indicator_pattern(rng, i, values),
            "pattern_type": "stix",
            "modified": "2024-01-01T00:00:00Z",
            "valid_from": "2024-01-01T00:00:00Z",
        }
        for i in range(indicators)
    ]
    gc.collect()
    before = _rss_mib()
    holder: list[PatternIndex] = []
    build, build_wall = _cpu(lambda: holder.append(PatternIndex(docs)))
    index = holder[0]
    gc.collect()
    grown = _rss_mib() - before
    holder.clear()
    tracemalloc.start()
    PatternIndex(docs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"index build {indicators} indicators: {build:.2f}s (wall {build_wall:.2f}s, "
        f"{build / indicators * 1e6:.0f} us each); memory: RSS +{grown:.0f} MiB, "
        f"tracemalloc peak {peak / 2**20:.0f} MiB  [goal < 500 MB]"
    )
    hits = cpu = wall = 0.0
    for chunk in _chunks(rng, events, values, 20_000):
        match = index.match
        gc.collect()
        w = time.perf_counter()
        c = time.process_time()
        for event in chunk:
            hits += len(match(event))
        cpu += time.process_time() - c
        wall += time.perf_counter() - w
    print(
        f"index match {events} events (STIX 2.0 observed-data, 3-6 objects each): "
        f"{cpu:.2f}s = {events / cpu:,.0f} events/s on one core (wall {wall:.2f}s = "
        f"{events / wall:,.0f}/s), {hits:.0f} indicator hits  [goal >= 200,000 events/s]"
    )
    _compare_loops(index, [e for chunk in _chunks(rng, 100_000, values, 100_000) for e in chunk])
    if bundles:
        sample = [_as_bundle(e) for chunk in _chunks(rng, bundles, values, bundles) for e in chunk]
        bundle_hits = 0

        def run() -> None:
            nonlocal bundle_hits
            bundle_hits = sum(len(index.match(b)) for b in sample)

        cpu_b, wall_b = _cpu(run)
        print(
            f"index match {bundles} events as STIX 2.1 bundles (SCOs by object_refs): "
            f"{bundles / cpu_b:,.0f} events/s (wall {bundles / wall_b:,.0f}/s), "
            f"{bundle_hits} hits"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--patterns", type=int, help="patterns to parse and match (1,000)")
    parser.add_argument("--observations", type=int, help="observations to match (1,000)")
    parser.add_argument(
        "--matcher-sample", type=int, help="run stix2-matcher on only this many patterns (all)"
    )
    parser.add_argument("--indicators", type=int, help="indicators in the index (100,000)")
    parser.add_argument("--events", type=int, help="events through the index (1,000,000)")
    parser.add_argument("--bundles", type=int, help="events also run as 2.1 bundles (100,000)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["parse", "match", "index"])
    args = parser.parse_args()
    quick = {"patterns": 300, "observations": 200, "indicators": 10_000, "events": 50_000,
             "bundles": 10_000}  # fmt: skip
    full = {"patterns": 1_000, "observations": 1_000, "indicators": 100_000,
            "events": 1_000_000, "bundles": 100_000}  # fmt: skip
    sizes = quick if args.quick else full
    for name, default in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or '?'}"
        f"; stixhub bench/patterns.py {' '.join(sys.argv[1:])}"
    )
    rng = random.Random(4)
    values = _Values()  # the match race's observations carry some of the patterns' values
    patterns = _parse_patterns(rng, args.patterns, values)
    if "parse" not in args.skip:
        bench_parse(patterns, 3 if args.quick else 5)
    if "match" not in args.skip:
        observations = [_event(rng, n, values) for n in range(args.observations)]
        bench_match(patterns, observations, args.matcher_sample)
    if "index" not in args.skip:
        bench_index(rng, args.indicators, args.events, args.bundles)


if __name__ == "__main__":
    main()
