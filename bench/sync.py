"""Sync benchmark of issue 5: ``stixhub sync`` of a 100,000-object collection from our hub,
and the OASIS ``taxii2-client`` paging loop over the same collection, in one run.

Run from the repository root with stixhub's interpreter::

    .venv/bin/python bench/sync.py            # 100,000 objects (a few minutes)
    .venv/bin/python bench/sync.py --quick    # 10,000 objects

The hub is stixhub on SQLite, set up and started exactly as ``bench/poll.py`` does it
(``servers.StixhubTarget``: its CLI, ``serve --workers 2``, the generated indicators of
``gen.py``). Then, one after the other (never two at once: the machine has 2 cores):

1. ``stixhub sync URL COLLECTION --into DIR`` as a user runs it (a new process, HTTP Basic,
   pages of ``--limit``): every object written as its own file, fsynced, plus the state
   file after every page;
2. ``stixhub sync ... --into-db`` into a fresh local SQLite hub: every object through the
   local validator and stored with its origin;
3. the paging alone with ``stixhub.client.TaxiiClient.objects_pages`` (no writing);
4. the paging alone with ``taxii2client.v21.as_pages(Collection.get_objects, per_request)``,
   the loop the OASIS client documents.

Each is checked complete (every object received once) and timed on the wall clock, with
the CPU seconds (user + system) of the client process beside it: the machine is shared, so
wall time moves with the load and CPU time says what the client itself costs. Objects/s
and the ratios to the taxii2-client loop are printed. Timings are never asserted.
"""

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from taxii2client.v21 import Collection, as_pages

from stixhub.client import BasicAuth, Query, TaxiiClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import dataset_file
from poll import RESULTS, log, machine
from procs import stop_all
from servers import PASSWORD, REPO_DIR, STIXHUB, USER, Dataset, StixhubTarget


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="objects in the collection")
    parser.add_argument("--quick", action="store_true", help="10,000 objects instead")
    parser.add_argument("--limit", type=int, default=1000, help="objects per page")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON result")
    args = parser.parse_args(argv)
    if args.quick:
        args.size = 10_000
    return args


@contextlib.contextmanager
def work_folder(keep: bool) -> Iterator[Path]:
    """A scratch folder on the same disk as the repository (fsync costs are real there)."""
    path = Path(tempfile.mkdtemp(prefix="sync-bench-", dir=RESULTS))
    try:
        yield path
    finally:
        if keep:
            log(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def cpu_seconds(who: int) -> float:
    """User plus system CPU seconds used so far by this process or its waited-for children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_sync(
    url: str, collection: str, target: list[str], state: Path, limit: int
) -> dict[str, Any]:
    """One ``stixhub sync`` process from nothing to the end; its summary and wall time."""
    argv = [
        str(STIXHUB), "sync", url, collection, *target, "--state", str(state),
        "--user", USER, "--password-stdin", "--limit", str(limit), "--json",
    ]  # fmt: skip
    begin, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, input=PASSWORD + "\n", capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - begin
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    if done.returncode != 0:
        raise RuntimeError(f"stixhub sync exited {done.returncode}: {done.stderr[-2000:]}")
    summary = orjson.loads(done.stdout)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "objects": summary["run"]["received"],
        "summary": summary["run"],
    }


def page_with_stixhub(url: str, collection: str, limit: int) -> dict[str, Any]:
    """The stixhub client's paging loop alone, in this process."""
    ids: set[tuple[str, str]] = set()
    count = 0
    begin, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_SELF)
    with TaxiiClient(url, auth=BasicAuth(USER, PASSWORD)) as client:
        for page in client.objects_pages(collection, Query(limit=limit, versions=("all",))):
            count += len(page.items)
            ids.update((o["id"], o.get("modified", "")) for o in page.items)
    return {
        "seconds": time.perf_counter() - begin,
        "cpu_seconds": cpu_seconds(resource.RUSAGE_SELF) - cpu,
        "objects": count,
        "unique": len(ids),
    }


def page_with_taxii2client(url: str, collection: str, limit: int) -> dict[str, Any]:
    """The OASIS taxii2-client loop: ``as_pages(Collection.get_objects, per_request)``."""
    ids: set[tuple[str, str]] = set()
    count = 0
    begin, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_SELF)
    feed = Collection(f"{url}collections/{collection}/", user=USER, password=PASSWORD)
    for envelope in as_pages(feed.get_objects, per_request=limit):
        objects = envelope.get("objects", [])
        count += len(objects)
        ids.update((o["id"], o.get("modified", "")) for o in objects)
    return {
        "seconds": time.perf_counter() - begin,
        "cpu_seconds": cpu_seconds(resource.RUSAGE_SELF) - cpu,
        "objects": count,
        "unique": len(ids),
    }


def rate(cell: dict[str, Any]) -> float:
    """Objects per second of a measured cell."""
    return float(cell["objects"] / cell["seconds"]) if cell["seconds"] else 0.0


def main(argv: list[str]) -> int:
    """Set up the hub, run the four measurements, print the table and the ratios."""
    args = parse_args(argv)
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "bench/sync.py " + " ".join(argv),
        "machine": machine(),
        "size": args.size,
        "limit": args.limit,
        "load_average_at_start": list(os.getloadavg()),
        "cells": {},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    dataset = Dataset(
        f"generated-{args.size // 1000}k",
        dataset_file(RESULTS / "cache", args.size, args.seed),
        args.size,
        generated=True,
    )
    with work_folder(args.keep) as work:
        (work / "logs").mkdir()
        hub = StixhubTarget("sqlite", work, args.workers, "", work / "logs")
        log(f"loading {dataset.count} objects into the hub")
        hub.prepare([dataset])
        server = hub.start()
        try:
            url = f"http://127.0.0.1:{server.port}/bench/"
            cells = report["cells"]
            log("stixhub sync --into DIR")
            cells["stixhub sync --into DIR"] = run_sync(
                url, dataset.name, ["--into", str(work / "folder")], work / "f.state", args.limit
            )
            mirror = f"sqlite:///{work / 'mirror.db'}"
            subprocess.run([str(STIXHUB), "--db", mirror, "init"], check=True, capture_output=True)
            subprocess.run(
                [str(STIXHUB), "--db", mirror, "api-root", "add", "m", "--title", "Mirror"],
                check=True,
                capture_output=True,
            )
            local = subprocess.run(
                [str(STIXHUB), "--db", mirror, "collection", "add", "m", "--title", "Mirror"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            log("stixhub sync --into-db")
            cells["stixhub sync --into-db (SQLite)"] = run_sync(
                url,
                dataset.name,
                ["--into-db", mirror, "--into-collection", local],
                work / "m.state",
                args.limit,
            )
            log("stixhub.client paging loop")
            cells["stixhub.client objects_pages"] = page_with_stixhub(
                url, dataset.collection_id, args.limit
            )
            log("taxii2-client as_pages loop")
            cells["taxii2-client as_pages"] = page_with_taxii2client(
                url, dataset.collection_id, args.limit
            )
        finally:
            server.stop()
            stop_all()
    for cell in report["cells"].values():
        cell["objects_per_s"] = round(rate(cell), 1)
        cell["complete"] = (
            cell["objects"] == args.size and cell.get("unique", args.size) == args.size
        )
    baseline = rate(report["cells"]["taxii2-client as_pages"])
    report["ratios_to_taxii2client"] = {
        name: round(rate(cell) / baseline, 2) for name, cell in report["cells"].items()
    }
    print(f"sync benchmark: {args.size} objects, pages of {args.limit}, stixhub on SQLite")
    header = ("measurement", "seconds", "client CPU s", "objects/s", "complete", "vs taxii2-client")
    print(
        f"{header[0]:36} {header[1]:>9} {header[2]:>12} {header[3]:>10} {header[4]:>9} "
        f"{header[5]:>17}"
    )
    for name, cell in report["cells"].items():
        print(
            f"{name:36} {cell['seconds']:9.1f} {cell['cpu_seconds']:12.1f} "
            f"{cell['objects_per_s']:10.0f} "
            f"{'yes' if cell['complete'] else 'NO':>9} "
            f"{report['ratios_to_taxii2client'][name]:16.2f}x"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"sync-{'quick-' if args.quick else ''}{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"\nJSON: {path.relative_to(REPO_DIR) if path.is_relative_to(REPO_DIR) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
