"""``stixhub sense`` at scale: events/s on one core, reading included, and peak memory.

    .venv/bin/python bench/sense.py [--sizes 100M,1G] [--indicators 100000] [--keep DIR]

Generates Zeek conn and dns logs in the real TSV format with ``bench/gen_logs.py`` at each
size, and 100,000 STIX indicators (IPv4 addresses, domain names, a few CIDR ranges and
LIKE suffixes): a thousand of them are values that occur in the logs, so matching,
aggregation and the observed-data are exercised, the rest are misses as in a real feed.
Then runs the real command, ``stixhub sense --dry-run --json`` (read, match, aggregate,
privacy, bundle, validation: everything but the network), pinned to one CPU, and reports
events/s per CPU second of that process (the per-core figure the goal names; indicator
loading included, and also shown apart), events per wall-clock second (lower when other
jobs share the CPU), and the process's peak RSS. Two sizes show whether memory is flat in
log size. Nothing here is a test: the machine is shared, figures are noisy.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
IDENTITY = {
    "type": "identity",
    "spec_version": "2.1",
    "id": "identity--1f0e8c7a-6a3c-4e1b-9f2e-5b8f6c2d1a00",
    "created": "2024-01-01T00:00:00.000Z",
    "modified": "2024-01-01T00:00:00.000Z",
    "name": "Benchmark sensor",
}


def _indicator(n: int, pattern: str) -> dict[str, object]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=n + 1, version=4)}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }


def _values_in(log: Path, column: str, limit: int) -> list[str]:
    """Distinct values of a column among the first records of a Zeek TSV log."""
    fields: list[str] = []
    found: dict[str, None] = {}
    with log.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#fields"):
                fields = line.rstrip("\n").split("\t")[1:]
                continue
            if line.startswith("#") or not fields:
                continue
            value = line.rstrip("\n").split("\t")[fields.index(column)]
            if value not in ("-", "(empty)"):
                found.setdefault(value, None)
            if len(found) >= limit:
                break
    return list(found)


def make_indicators(folder: Path, logs: Path, count: int) -> Path:
    """``count`` indicators, a thousand of them on values the logs hold."""
    rng = random.Random(42)
    hits = _values_in(logs / "conn.log", "id.resp_h", 500)
    hits += _values_in(logs / "dns.log", "query", 500)
    patterns = [
        f"[domain-name:value = '{v}']" if not v[0].isdigit() and ":" not in v
        else f"[{'ipv6' if ':' in v else 'ipv4'}-addr:value = '{v}']"
        for v in hits
    ]  # fmt: skip
    patterns += [f"[ipv4-addr:value ISSUBSET '198.{n}.0.0/16']" for n in range(18, 20)]
    patterns += ["[domain-name:value LIKE '%.evil-bench.example']"]
    while len(patterns) < count:
        if rng.random() < 0.5:
            octets = ".".join(str(rng.randrange(1, 255)) for _ in range(4))
            patterns.append(f"[ipv4-addr:value = '{octets}']")
        else:
            name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            patterns.append(f"[domain-name:value = '{name}.bench-miss.example']")
    objects = [_indicator(n, p) for n, p in enumerate(patterns[:count])]
    path = folder / "indicators.json"
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    path.write_bytes(orjson.dumps(bundle))
    return path


def _one_cpu() -> None:
    """Pin the child to CPU 0: the figure is per core."""
    os.sched_setaffinity(0, {0})


def run_sense(indicators: Path, logs: list[Path], folder: Path) -> dict[str, object]:
    """One ``stixhub sense --dry-run --json`` pinned to CPU 0: time, RSS, its summary."""
    identity = folder / "identity.json"
    identity.write_bytes(orjson.dumps(IDENTITY))
    argv = [sys.executable, "-m", "stixhub.cli.main", "sense", "--dry-run", "--json",
            "--indicators", str(indicators), "--identity", str(identity),
            "--spool", str(folder / "spool")]  # fmt: skip
    for log in logs:
        argv += ["--log", str(log)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STIXHUB_")}
    started = time.perf_counter()
    with (folder / "bundle.json").open("wb") as out, (folder / "summary.json").open("wb") as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env, preexec_fn=_one_cpu)  # noqa: PLW1509  no threads here
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"sense failed: {(folder / 'summary.json').read_text()[-2000:]}")
    summary = orjson.loads((folder / "summary.json").read_bytes())
    cpu = usage.ru_utime + usage.ru_stime  # the child's own CPU: what one core spent on it
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "summary": summary,
    }


def index_seconds(indicators: Path) -> float:
    """Seconds to read the indicators and build the index alone, in a child on CPU 0."""
    code = (
        "import sys,time,orjson;from stixhub.sensor._pipeline import build_index;"
        "t=time.perf_counter();d=orjson.loads(open(sys.argv[1],'rb').read());"
        "build_index(d['objects']);print(time.perf_counter()-t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(indicators)],
        capture_output=True, text=True, check=True,
        preexec_fn=_one_cpu,
    )  # fmt: skip
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100M,1G", help="log sizes (conn + dns together)")
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-sense-"))
    base.mkdir(parents=True, exist_ok=True)
    rows = []
    indicators: Path | None = None
    for size in args.sizes.split(","):
        logs = base / f"logs-{size}"
        if not (logs / "dns.log").exists():
            print(f"generating {size} of logs in {logs}", file=sys.stderr)
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "gen_logs.py"), str(logs), "--size", size],
                check=True,
            )
        if indicators is None:
            indicators = make_indicators(base, logs, args.indicators)
            loading = index_seconds(indicators)
        print(f"sense on {size}", file=sys.stderr)
        result = run_sense(indicators, [logs / "conn.log", logs / "dns.log"], base)
        summary = result["summary"]
        assert isinstance(summary, dict)
        size_bytes = sum((logs / n).stat().st_size for n in ("conn.log", "dns.log"))
        seconds = float(result["seconds"])  # type: ignore[arg-type]
        events = int(summary["events"])
        cpu = float(result["cpu"])  # type: ignore[arg-type]
        rows.append(
            (size, size_bytes, events, seconds, cpu, loading, result["peak_rss_mib"], summary)
        )
    print(f"{'logs':>6} {'MB':>7} {'events':>11} {'wall s':>7} {'CPU s':>7} {'index s':>8} "
          f"{'events/CPU s':>12} {'excl. index':>11} {'events/wall s':>13} "
          f"{'peak RSS MiB':>12} {'sightings':>9}")  # fmt: skip
    for size, size_bytes, events, seconds, cpu, loading, rss, summary in rows:
        print(
            f"{size:>6} {size_bytes / 1e6:7.0f} {events:11,d} {seconds:7.1f} {cpu:7.1f} "
            f"{loading:8.1f} {events / cpu:12,.0f} {events / max(cpu - loading, 1e-9):11,.0f} "
            f"{events / seconds:13,.0f} {rss:12.0f} {summary['sightings']:9,d}"
        )
    if not args.keep:
        for path in sorted(base.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        base.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
