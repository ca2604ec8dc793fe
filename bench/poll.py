"""Poll benchmark of issue 2: stixhub vs OpenTAXII 0.9.3 vs medallion 3.0.0, in one run.

Run from the repository root with stixhub's interpreter::

    .venv/bin/python bench/poll.py            # the full run (about 15 minutes)
    .venv/bin/python bench/poll.py --quick    # a 2-minute smoke run on small data
    .venv/bin/python bench/poll.py --million  # adds the 1,000,000-object PostgreSQL check

What it does, and why this way (see bench/README.md for more):

1. Creates ``bench/.venv`` with the competitors if it is missing (their pins must never
   touch stixhub's environment).
2. Generates the indicator collection deterministically (``gen.py``) and checks a sample
   with the OASIS ``stix2`` library.
3. For each server and backend, in turn (never two at once: the machine has 2 cores):
   sets it up and loads it the way its documentation says, starts it on a free loopback
   port in its own process group, and polls each collection page by page (``limit``) with 1
   and with 16 concurrent clients, each client paging the whole collection. It records
   objects/s, p50/p99 page latency, the server's peak RSS and CPU seconds (all processes of
   the server), and whether every client got every object exactly once. Then it kills the
   server's whole process group, also on error.
4. With ``--million``: stixhub on PostgreSQL, page latency over 1,000,000 objects against
   10,000 (design goal: within 1.5x).
5. Prints a table and the ratios stixhub ÷ OpenTAXII (goal: at least 10x), and writes
   everything as JSON to ``bench/results/``.

Timings are printed, never asserted: the machine is shared and noisy.
"""

import argparse
import contextlib
import http.client
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from driver import ACCEPT, RunResult, percentile, poll_collection
from gen import dataset_file, indicators
from procs import ServerProcess, UsageSampler, stop_all
from servers import (
    BENCH_DIR,
    COMPETITOR_PYTHON,
    COMPETITOR_VENV,
    REPO_DIR,
    STIXHUB,
    Dataset,
    MedallionTarget,
    OpenTaxiiTarget,
    StixhubTarget,
    Target,
    analyze_postgres_database,
    discover_objects_paths,
    drop_postgres_database,
    recreate_postgres_database,
    store_objects,
)

ICS = Path("/work/shared/corpus/real-world/mitre-attack/ics-attack-18.1.json")
RESULTS = BENCH_DIR / "results"
ALL_TARGETS = (
    "stixhub-sqlite",
    "stixhub-postgresql",
    "opentaxii-sqlite",
    "opentaxii-postgresql",
    "medallion-memory",
)


@dataclass
class Cell:
    """One measurement: a server, a backend, a collection, a number of concurrent clients."""

    server: str
    backend: str
    dataset: str
    collection_size: int
    clients: int
    passes: int = 0
    objects: int = 0
    pages: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    peak_rss: int = 0
    cpu_seconds: float = 0.0
    complete: bool = True
    errors: list[str] = field(default_factory=list)

    @property
    def objects_per_second(self) -> float:
        """Objects delivered to all clients together per wall-clock second."""
        return self.objects / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        """The JSON record of the cell (latencies as p50/p90/p99 and the raw list)."""
        p50, p90, p99 = (percentile(self.latencies, f) for f in (0.5, 0.9, 0.99))
        return {
            "server": self.server,
            "backend": self.backend,
            "dataset": self.dataset,
            "collection_size": self.collection_size,
            "clients": self.clients,
            "passes": self.passes,
            "objects": self.objects,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "objects_per_second": round(self.objects_per_second, 1),
            "page_latency_p50_ms": None if p50 is None else round(p50 * 1000, 2),
            "page_latency_p90_ms": None if p90 is None else round(p90 * 1000, 2),
            "page_latency_p99_ms": None if p99 is None else round(p99 * 1000, 2),
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
            "server_cpu_seconds": round(self.cpu_seconds, 2),
            "objects_per_server_cpu_second": (
                round(self.objects / self.cpu_seconds, 1) if self.cpu_seconds > 0 else None
            ),
            "complete": self.complete,
            "errors": self.errors,
            "latencies_ms": [round(v * 1000, 2) for v in self.latencies],
        }


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the result table."""
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def ensure_competitors() -> None:
    """Create bench/.venv with the pinned competitors if it is missing or incomplete."""
    check = [str(COMPETITOR_PYTHON), "-c", "import opentaxii, medallion, gunicorn, psycopg2"]
    if (
        COMPETITOR_PYTHON.exists()
        and subprocess.run(check, capture_output=True, check=False).returncode == 0
    ):
        return
    base = getattr(sys, "_base_executable", None) or "python3"
    log(f"creating {COMPETITOR_VENV} with OpenTAXII and medallion (one time)")
    subprocess.run([base, "-m", "venv", str(COMPETITOR_VENV)], check=True)
    subprocess.run(
        [
            str(COMPETITOR_PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(BENCH_DIR / "requirements-competitors.txt"),
        ],
        check=True,
    )
    subprocess.run(check, check=True)


def stixhub_ready() -> str | None:
    """None when ``stixhub serve --help`` works; else why stixhub cannot be benchmarked yet."""
    if not STIXHUB.exists():
        return f"{STIXHUB} is missing (run scripts/test or pip install -e . first)"
    completed = subprocess.run(
        [str(STIXHUB), "serve", "--help"], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-1:]
        return f"'stixhub serve --help' failed: {' '.join(tail)}"
    return None


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_total = ""
    with contextlib.suppress(OSError):
        mem_total = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    commit = subprocess.run(
        ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO_DIR), "status", "--porcelain", "src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_total": mem_total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": os.getloadavg(),
        "stixhub_commit": commit + ("+uncommitted-src-changes" if dirty else ""),
    }


def competitor_versions() -> dict[str, str]:
    """Installed versions of the competitors and the libraries that decide their speed."""
    code = (
        "import json, importlib.metadata as m\n"
        "names = ['opentaxii', 'medallion', 'gunicorn', 'Flask', 'Werkzeug', 'SQLAlchemy',"
        " 'psycopg2-binary', 'stix2']\n"
        "print(json.dumps({n: m.version(n) for n in names}))\n"
    )
    out = subprocess.run(
        [str(COMPETITOR_PYTHON), "-c", code], capture_output=True, text=True, check=False
    ).stdout
    return orjson.loads(out) if out.strip() else {}


def check_generated(path: Path, sample: int) -> dict[str, Any]:
    """Parse a sample of the generated objects with the OASIS stix2 library (strict)."""
    out = subprocess.run(
        [
            str(COMPETITOR_PYTHON),
            str(BENCH_DIR / "competitor_helper.py"),
            "check-stix",
            str(path),
            "--sample",
            str(sample),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    ).stdout
    result: dict[str, Any] = orjson.loads(out.strip().splitlines()[-1])
    return result


def warm_up(port: int, objects_path: str, authorization: str, workers: int) -> None:
    """A few untimed authenticated requests on fresh connections before a cell.

    Each worker process of a pre-fork server must have verified the password once (stixhub
    caches argon2 results, OpenTAXII decodes its JWT and loads the account) and opened its
    database connection; otherwise the first pages of a cell time a login, not a poll. The
    API root resource is used because it is cheap on every server (medallion's first
    objects page alone takes many seconds).
    """
    root = objects_path.split("/collections/", 1)[0] + "/"
    headers = {"Accept": ACCEPT, "Authorization": authorization}
    for _ in range(2 * workers):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", root, headers=headers)
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()


def run_cell(
    server: ServerProcess,
    target: Target,
    objects_path: str,
    dataset: Dataset,
    clients: int,
    args: argparse.Namespace,
) -> Cell:
    """Poll one collection with ``clients`` clients, in passes, until enough time has passed.

    A pass is every client paging the whole collection once. Small collections take a few
    milliseconds per pass, so passes repeat until ``--min-seconds`` to give stable rates and
    enough page latencies for a p99; large ones stop at ``--cell-seconds`` even mid-pass.
    """
    cell = Cell(target.name, target.backend, dataset.name, dataset.count, clients)
    cap = args.medallion_seconds if target.name == "medallion" else args.cell_seconds
    base_url = f"http://127.0.0.1:{server.port}"
    warm_up(server.port, objects_path, target.authorization(), args.workers)
    before = server.usage()
    begin = time.monotonic()
    with UsageSampler(server.session_id) as sampler:
        while True:
            remaining = cap - (time.monotonic() - begin)
            run: RunResult = poll_collection(
                base_url,
                objects_path,
                target.authorization(),
                clients,
                dataset.count,
                limit=args.limit,
                time_limit=max(remaining, 1.0),
            )
            cell.passes += 1
            cell.objects += run.objects
            cell.pages += run.pages
            cell.seconds += run.seconds
            cell.latencies.extend(run.latencies)
            if not run.complete:
                cell.complete = False
                cell.errors = sorted(set(cell.errors) | set(run.errors))
                break
            elapsed = time.monotonic() - begin
            if elapsed >= args.min_seconds or cell.passes >= args.max_passes:
                break
            if elapsed + run.seconds > cap:
                break
    cell.peak_rss = sampler.peak_rss
    cell.cpu_seconds = server.usage().cpu - before.cpu
    return cell


def describe(cell: Cell) -> str:
    """One progress line for a finished cell."""
    record = cell.summary()
    state = "complete" if cell.complete else "PARTIAL: " + "; ".join(cell.errors)[:120]
    return (
        f"{cell.server}/{cell.backend} {cell.dataset} x{cell.clients}: "
        f"{record['objects_per_second']:.0f} obj/s, p50 {record['page_latency_p50_ms']} ms, "
        f"p99 {record['page_latency_p99_ms']} ms, RSS {record['peak_rss_mb']} MB, "
        f"{cell.passes} pass(es), {state}"
    )


def bench_target(
    target: Target, datasets: list[Dataset], args: argparse.Namespace, report: dict[str, Any]
) -> list[Cell]:
    """Set up, start, poll every dataset with every client count, and always stop."""
    label = f"{target.name}-{target.backend}"
    log(f"{label}: setting up and loading {', '.join(d.name for d in datasets)}")
    begin = time.perf_counter()
    prepared = target.prepare(datasets)
    entry: dict[str, Any] = {
        "setup_seconds": round(time.perf_counter() - begin, 2),
        "load_seconds": {k: round(v, 2) for k, v in prepared.load_seconds.items()},
        "load_objects_per_second": {
            d.name: round(d.count / prepared.load_seconds[d.name], 1)
            for d in datasets
            if prepared.load_seconds.get(d.name)
        },
        "notes": prepared.notes,
    }
    report["targets"][label] = entry
    cells: list[Cell] = []
    server = target.start()
    try:
        entry["idle_rss_mb"] = round(server.usage().rss / 2**20, 1)
        paths = target.objects_paths(server.port, datasets)
        for dataset in datasets:
            for clients in args.clients:
                cell = run_cell(server, target, paths[dataset.name], dataset, clients, args)
                cells.append(cell)
                log(describe(cell))
                if not cell.complete:
                    # Requests may still be in progress on the server: restart it so they
                    # cannot slow the next cell down.
                    server.stop()
                    server = target.start()
        entry["final_rss_mb"] = round(server.usage().rss / 2**20, 1)
    finally:
        server.stop()
        if not args.keep:
            with contextlib.suppress(Exception):
                target.cleanup()
    return cells


def million_batches(
    dataset: Dataset, args: argparse.Namespace, begin: float
) -> Iterator[list[dict[str, Any]]]:
    """Generate a scale collection batch by batch (a million dicts at once would not fit
    comfortably next to the servers), logging progress every 100,000 objects."""
    for start in range(0, dataset.count, args.million_batch):
        size = min(args.million_batch, dataset.count - start)
        yield list(indicators(size, seed=args.seed + 1, start=start))
        done = start + size
        if done % 100_000 == 0:
            rate = done / (time.perf_counter() - begin)
            log(f"million: {dataset.name} {done:,} objects stored ({rate:.0f}/s)")


def million(args: argparse.Namespace, work: Path, report: dict[str, Any]) -> None:
    """stixhub on PostgreSQL: page latency in a 1,000,000-object collection vs 10,000.

    Both collections live in the same database (the realistic case: one hub, many
    collections), are generated straight into it through the store's Python API in big
    batches, and are paged by one client so latency is not queueing.
    """
    target = StixhubTarget("postgresql", work, args.workers, args.pg_url, work / "logs")
    target.database = "bench_stixhub_scale"
    sizes = {"scale-10k": 10_000, "scale-1m": args.million_size}
    datasets = [Dataset(name, Path("/dev/null"), count) for name, count in sizes.items()]
    target.url = recreate_postgres_database(args.pg_url, target.database)
    entry: dict[str, Any] = {"sizes": sizes, "batch": args.million_batch}
    report["million"] = entry
    try:
        target._cli("init")
        target._cli("api-root", "add", "bench", "--title", "Bench")
        target._cli(
            "account",
            "add",
            "bench",
            "--password-stdin",
            stdin="bench-password-not-a-secret\n",
        )
        for dataset in datasets:
            target._cli(
                "collection", "add", "bench", "--title", dataset.name, "--id", dataset.collection_id
            )
            target._cli("grant", "bench", dataset.collection_id, "--read")
            begin = time.perf_counter()
            store_objects(target.url, dataset.collection_id, million_batches(dataset, args, begin))
            seconds = time.perf_counter() - begin
            entry[f"load_seconds_{dataset.name}"] = round(seconds, 1)
            log(f"million: {dataset.name} loaded in {seconds:.0f} s")
        analyze_postgres_database(args.pg_url, target.database)
        server = target.start()
        try:
            paths = discover_objects_paths(
                server.port, target.authorization(), [d.name for d in datasets]
            )
            cells = []
            for dataset in datasets:
                saved = args.cell_seconds, args.min_seconds
                args.cell_seconds = args.million_seconds
                args.min_seconds = min(args.million_seconds, 15.0)
                try:
                    cell = run_cell(server, target, paths[dataset.name], dataset, 1, args)
                finally:
                    args.cell_seconds, args.min_seconds = saved
                cell.server, cell.backend = "stixhub", "postgresql"
                cells.append(cell)
                log("million: " + describe(cell))
            small, large = (c.summary() for c in cells)
            entry["cells"] = [small, large]
            if small["page_latency_p50_ms"] and large["page_latency_p50_ms"]:
                entry["p50_ratio_1m_over_10k"] = round(
                    large["page_latency_p50_ms"] / small["page_latency_p50_ms"], 2
                )
            if small["page_latency_p99_ms"] and large["page_latency_p99_ms"]:
                entry["p99_ratio_1m_over_10k"] = round(
                    large["page_latency_p99_ms"] / small["page_latency_p99_ms"], 2
                )
            # Keyset paging should not slow down deep in the collection: compare the first
            # and the last tenth of the pages the big run got through.
            lat = cells[1].latencies
            if len(lat) >= 20:
                tenth = len(lat) // 10
                entry["deep_pages"] = {
                    "first_tenth_p50_ms": round(percentile(lat[:tenth], 0.5) * 1000, 2),  # type: ignore[operator]
                    "last_tenth_p50_ms": round(percentile(lat[-tenth:], 0.5) * 1000, 2),  # type: ignore[operator]
                }
        finally:
            server.stop()
    finally:
        if not args.keep:
            with contextlib.suppress(Exception):
                drop_postgres_database(args.pg_url, target.database)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(cells: list[dict[str, Any]]) -> str:
    """The result table, one line per cell."""
    header = (
        "server",
        "backend",
        "collection",
        "objects",
        "clients",
        "obj/s",
        "p50 ms",
        "p99 ms",
        "peak RSS MB",
        "CPU s",
        "obj/CPU-s",
        "complete",
    )
    rows = [header]
    for c in cells:
        rows.append(
            (
                c["server"],
                c["backend"],
                c["dataset"],
                f"{c['collection_size']:,}",
                str(c["clients"]),
                _fmt(c["objects_per_second"], 0),
                _fmt(c["page_latency_p50_ms"]),
                _fmt(c["page_latency_p99_ms"]),
                _fmt(c["peak_rss_mb"]),
                _fmt(c["server_cpu_seconds"]),
                _fmt(c["objects_per_server_cpu_second"], 0),
                "yes" if c["complete"] else "PARTIAL",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            v.ljust(w) if i < 3 else v.rjust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def ratios(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """stixhub objects/s ÷ OpenTAXII objects/s on the same database, collection and clients."""
    index = {(c["server"], c["backend"], c["dataset"], c["clients"]): c for c in cells}
    out = []
    for (server, backend, dataset, clients), cell in sorted(index.items()):
        if server != "stixhub":
            continue
        other = index.get(("opentaxii", backend, dataset, clients))
        if other is None or not other["objects_per_second"]:
            continue
        out.append(
            {
                "backend": backend,
                "dataset": dataset,
                "clients": clients,
                "stixhub_objects_per_second": cell["objects_per_second"],
                "opentaxii_objects_per_second": other["objects_per_second"],
                "ratio": round(cell["objects_per_second"] / other["objects_per_second"], 1),
                "opentaxii_complete": other["complete"],
            }
        )
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line flags; ``--quick`` only changes the defaults of the size flags."""
    parser = argparse.ArgumentParser(
        prog="bench/poll.py",
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: small generated collections, short cells"
    )
    parser.add_argument(
        "--million",
        action="store_true",
        help="also measure stixhub/PostgreSQL page latency at 1,000,000 objects",
    )
    parser.add_argument("--size", type=int, help="generated collection size (100000; quick 10000)")
    parser.add_argument(
        "--medallion-size", type=int, help="generated collection size for medallion (1000)"
    )
    parser.add_argument("--clients", default="1,16", help="comma-separated client counts")
    parser.add_argument("--limit", type=int, default=1000, help="page size asked for")
    parser.add_argument(
        "--cell-seconds",
        type=float,
        help="time cap of one cell, then it is reported PARTIAL (60; quick 8)",
    )
    parser.add_argument(
        "--min-seconds",
        type=float,
        help="repeat passes over small collections this long (5; quick 2)",
    )
    parser.add_argument("--max-passes", type=int, default=50, help="cap on repeated passes")
    parser.add_argument(
        "--medallion-seconds",
        type=float,
        help="time cap of one medallion cell (same as --cell-seconds; quick 20)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="server processes for stixhub and OpenTAXII (gunicorn)",
    )
    parser.add_argument(
        "--targets",
        default=",".join(ALL_TARGETS),
        help="comma-separated subset of " + ",".join(ALL_TARGETS),
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated data")
    parser.add_argument(
        "--check-sample",
        type=int,
        default=1000,
        help="generated objects to parse with stix2 (0: all, -1: none)",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="an existing database to connect to for creating the bench_* databases",
    )
    parser.add_argument("--million-size", type=int, default=1_000_000)
    parser.add_argument(
        "--million-batch",
        type=int,
        default=10_000,
        help="objects per store.add_objects call when generating the big set",
    )
    parser.add_argument(
        "--million-seconds",
        type=float,
        default=240,
        help="time cap for paging the 1,000,000-object collection",
    )
    parser.add_argument(
        "--load-with-cli",
        action="store_true",
        help="load generated data into stixhub with 'stixhub load' (validates every object: "
        "minutes) instead of the Store interface",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the work folder and the bench_* databases afterwards",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    quick = args.quick
    args.size = args.size or (10_000 if quick else 100_000)
    args.medallion_size = args.medallion_size or 1_000
    args.cell_seconds = args.cell_seconds or (8.0 if quick else 60.0)
    args.min_seconds = args.min_seconds or (2.0 if quick else 5.0)
    args.medallion_seconds = args.medallion_seconds or (20.0 if quick else args.cell_seconds)
    args.clients = [int(v) for v in args.clients.split(",") if v.strip()]
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(args.targets) - set(ALL_TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    return args


@contextlib.contextmanager
def work_folder(keep: bool) -> Iterator[Path]:
    """A scratch folder for databases, configs and logs; removed unless ``--keep``."""
    if keep:
        path = Path(tempfile.mkdtemp(prefix="stixhub-bench-"))
        log(f"work folder kept at {path}")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="stixhub-bench-") as name:
        yield Path(name)


def failure(exc: BaseException) -> str:
    """An error for the report: its start and its end (where a traceback says what broke)."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 2500 else text[:500] + "\n...\n" + text[-2000:]


def build_targets(
    args: argparse.Namespace,
    work: Path,
    datasets: tuple[Dataset, Dataset, Dataset],
    not_ready: str | None,
    report: dict[str, Any],
) -> list[tuple[Target, list[Dataset]]]:
    """The targets asked for, each with the collections it serves."""
    ics, gen_big, gen_small = datasets
    logs = work / "logs"
    targets: list[tuple[Target, list[Dataset]]] = []
    for name in args.targets:
        server, backend = name.split("-", 1)
        if server == "stixhub" and not_ready:
            report["skipped"][name] = not_ready
            log(f"{name}: skipped, {not_ready}")
        elif server == "stixhub":
            stixhub = StixhubTarget(backend, work, args.workers, args.pg_url, logs)
            stixhub.load_with_cli = args.load_with_cli
            targets.append((stixhub, [ics, gen_big]))
        elif server == "opentaxii":
            opentaxii = OpenTaxiiTarget(backend, work, args.workers, args.pg_url, logs)
            targets.append((opentaxii, [ics, gen_big]))
        else:
            # In a smoke run ATT&CK ICS alone would take medallion longer than its cap.
            medallion = MedallionTarget(work, logs)
            targets.append((medallion, [gen_small] if args.quick else [ics, gen_small]))
    return targets


def main(argv: list[str]) -> int:
    """Run the benchmark; exit 0 even when a server could not be measured (it is reported)."""
    args = parse_args(argv)
    # SIGTERM (a CI timeout, a kill) must still run the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    ensure_competitors()
    cache = RESULTS / "cache"
    generated = dataset_file(cache, args.size, args.seed)
    small = dataset_file(cache, args.medallion_size, args.seed)
    ics_count = len(orjson.loads(ICS.read_bytes())["objects"])
    ics = Dataset("attack-ics", ICS, ics_count)
    gen_big = Dataset(f"generated-{args.size // 1000}k", generated, args.size, generated=True)
    gen_small = Dataset(
        f"generated-{args.medallion_size // 1000}k", small, args.medallion_size, generated=True
    )
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "bench/poll.py " + " ".join(argv),
        "machine": machine(),
        "competitors": competitor_versions(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "datasets": {
            d.name: {"objects": d.count, "file": str(d.path)} for d in (ics, gen_big, gen_small)
        },
        "targets": {},
        "skipped": {},
        "notes": [
            f"medallion is capped to {gen_small.name} ({gen_small.count} objects)"
            + ("" if args.quick else f" and {ics.name} ({ics.count} objects)")
            + f", and each of its cells to {args.medallion_seconds:.0f} s: its memory backend "
            "matches every object against the whole manifest for the first page of every "
            "client (quadratic: about 10 s for 1,000 objects and 28 s for ATT&CK ICS on this "
            "machine, single client), so a larger collection or 16 clients cannot finish in "
            "the bench's time",
            "OpenTAXII 0.9.3 answers 500 on GET collections/ (a UUID passed to json.dumps): its "
            "collections are addressed by the ids its persistence API lists",
        ],
    }
    if args.check_sample >= 0:
        check = check_generated(generated, args.check_sample)
        report["generated_data_check"] = check
        log(
            f"stix2 parsed {check['checked']} generated objects: "
            f"{check['failure_count']} failure(s), unique ids: {check['unique_ids']}"
        )
    not_ready = stixhub_ready()
    cells: list[Cell] = []
    with work_folder(args.keep) as work:
        (work / "logs").mkdir()
        targets = build_targets(args, work, (ics, gen_big, gen_small), not_ready, report)
        try:
            for target, datasets in targets:
                label = f"{target.name}-{target.backend}"
                try:
                    cells.extend(bench_target(target, datasets, args, report))
                except Exception as exc:  # noqa: BLE001 - report it, measure the others
                    report["skipped"][label] = failure(exc)
                    log(f"{label}: FAILED: {exc}")
            if args.million:
                if not_ready:
                    report["skipped"]["million"] = not_ready
                else:
                    try:
                        million(args, work, report)
                    except Exception as exc:  # noqa: BLE001
                        report["skipped"]["million"] = failure(exc)
                        log(f"million: FAILED: {exc}")
        finally:
            stop_all()
    summaries = [c.summary() for c in cells]
    report["cells"] = summaries
    report["ratios"] = ratios(summaries)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["loadavg_at_end"] = os.getloadavg()
    print_report(report)
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"poll-{'quick-' if args.quick else ''}{datetime.now():%Y%m%d-%H%M%S}.json"
    path = args.out / name
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    (args.out / "latest.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"\nJSON: {path.relative_to(REPO_DIR) if path.is_relative_to(REPO_DIR) else path}")
    return 0


def print_report(report: dict[str, Any]) -> None:
    """The human-readable result: table, ratios, scale check, skips and notes."""
    m = report["machine"]
    print(
        f"\nstixhub poll benchmark — {m['nproc']} CPU {m['cpu_model']}, {m['mem_total']}, "
        f"Python {m['python']}, stixhub {m['stixhub_commit']}, "
        f"{report['seconds']:.0f} s, load avg {m['loadavg_at_start'][0]:.2f} -> "
        f"{m['loadavg_at_end'][0]:.2f}"
    )
    print(
        f"limit={report['settings']['limit']}, workers={report['settings']['workers']}, "
        f"cell cap {report['settings']['cell_seconds']:.0f} s\n"
    )
    print(table(report["cells"]))
    if report["ratios"]:
        print("\nstixhub ÷ OpenTAXII objects/s (same database, collection, clients; goal ≥ 10x):")
        for r in report["ratios"]:
            flag = "" if r["opentaxii_complete"] else "  (OpenTAXII partial: stopped at the cap)"
            print(
                f"  {r['backend']:<10} {r['dataset']:<15} x{r['clients']:<3} "
                f"{r['ratio']:>7.1f}x{flag}"
            )
    if "million" in report and "cells" in report["million"]:
        mm = report["million"]
        small, large = mm["cells"]
        print(
            f"\nstixhub/PostgreSQL page latency, 1 client: {small['collection_size']:,} objects "
            f"p50 {small['page_latency_p50_ms']} ms p99 {small['page_latency_p99_ms']} ms; "
            f"{large['collection_size']:,} objects p50 {large['page_latency_p50_ms']} ms "
            f"p99 {large['page_latency_p99_ms']} ms ({large['pages']} pages"
            f"{'' if large['complete'] else ', partial'}); "
            f"p50 ratio {mm.get('p50_ratio_1m_over_10k')}x (goal ≤ 1.5x)"
        )
        if "deep_pages" in mm:
            d = mm["deep_pages"]
            print(
                f"  first tenth of pages p50 {d['first_tenth_p50_ms']} ms, "
                f"last tenth p50 {d['last_tenth_p50_ms']} ms"
            )
    for name, why in report["skipped"].items():
        lines = [line for line in why.splitlines() if line.strip()] or [""]
        detail = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        print(f"\nNOT MEASURED {name}: {detail}")
    for target, entry in report["targets"].items():
        loads = ", ".join(
            f"{k} {v:,.0f} obj/s" for k, v in entry["load_objects_per_second"].items()
        )
        if loads:
            print(f"load {target}: {loads}")
    for note in report["notes"]:
        print(f"note: {note}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
