"""How fast the sensor reads Zeek conn and dns logs (issue 6), against a naive reader.

    .venv/bin/python bench/read_logs.py                    # 1,000,000 lines of each log
    .venv/bin/python bench/read_logs.py --lines 200000 --rounds 3

Generates the logs with bench/gen_logs.py into a temporary folder (seeded, Zeek's real TSV),
then reads each one, interleaved in rounds, with:

- ``read_log``: what ``stixhub sense`` runs (the C line readers when they were built),
- ``read_log`` with the Python line readers (the fallback without a C compiler),
- a naive reference reader: the ``csv`` module and ``ipaddress``, the same observables per
  line, no caches; what a first version of such a reader looks like.

Lines/s are lines of the log (headers too) per CPU second of this process
(``time.process_time``, one core, one thread), the best of the rounds; reading includes
opening, decoding and splitting the file and making the events. It also prints the memo
misses per line (address and name parses) and checks that the three readers name the same
number of observables.
"""

import argparse
import csv
import ipaddress
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import gen_logs

from stixhub.sensor.readers import _values, _zeek_fast, read_log, zeek_tsv


def naive_events(path: Path) -> Iterator[tuple[int, dict[str, dict[str, Any]]]]:
    """The straightforward reader: csv rows, ipaddress for every address, a dict per row."""
    fields: list[str] = []
    with path.open(encoding="utf-8", newline="") as text:
        for row in csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row and row[0].startswith("#"):
                if row[0] == "#fields":
                    fields = row[1:]
                continue
            record = dict(zip(fields, row, strict=True))
            objects: dict[str, dict[str, Any]] = {}
            for key in ("id.orig_h", "id.resp_h"):
                address = ipaddress.ip_address(record[key])
                kind = "ipv4-addr" if address.version == 4 else "ipv6-addr"
                objects[str(len(objects))] = {"type": kind, "value": str(address)}
            traffic: dict[str, Any] = {
                "type": "network-traffic",
                "protocols": [record["proto"]],
                "src_ref": "0",
                "dst_ref": "1",
                "src_port": int(record["id.orig_p"]),
                "dst_port": int(record["id.resp_p"]),
            }
            for key, prop in (("orig_bytes", "src_byte_count"), ("resp_bytes", "dst_byte_count")):
                if record.get(key, "-") != "-":
                    traffic[prop] = int(record[key])
            objects["2"] = traffic
            query = record.get("query", "-")
            if query != "-":
                objects[str(len(objects))] = {"type": "domain-name", "value": query.lower()}
            for answer in record.get("answers", "-").split(","):
                if answer in ("-", "(empty)") or answer.startswith("TXT "):
                    continue
                try:
                    address = ipaddress.ip_address(answer)
                except ValueError:
                    value = {"type": "domain-name", "value": answer.lower()}
                else:
                    kind = "ipv4-addr" if address.version == 4 else "ipv6-addr"
                    value = {"type": kind, "value": str(address)}
                if value not in objects.values():
                    objects[str(len(objects))] = value
            seconds, _, fraction = record["ts"].partition(".")
            yield int(seconds) * 1_000_000 + int(fraction), objects


def stixhub_events(path: Path) -> Iterator[tuple[int, dict[str, dict[str, Any]]]]:
    for event in read_log(path):
        yield event.time, event.objects


def timed(reader: Callable[[Path], Iterator[Any]], path: Path) -> tuple[float, int]:
    """CPU seconds to read the whole log, and the observables it named."""
    for memo in (_values.IP_OBJECTS, _values.NAME_OBJECTS):
        memo.clear()  # every round starts cold, as a new sense run does
    started = time.process_time()
    observables = 0
    for _time, objects in reader(path):
        observables += len(objects)
    return time.process_time() - started, observables


def python_readers(use_c: bool) -> None:
    zeek_tsv.fast_reader = partial(_zeek_fast.fast_reader, use_c=use_c)  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="records per log")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()}, {platform.machine()}, C line readers built: "
        f"{_zeek_fast.has_c_readers()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("conn", "dns"):
            path = Path(folder) / f"{kind}.log"
            records, size = gen_logs.write_log(path, kind, None, args.lines, args.seed, False)
            lines = records + 9  # the 8 header lines and #close
            sides: dict[str, list[float]] = {"stixhub": [], "python readers": [], "naive": []}
            named: dict[str, int] = {}
            misses = 0.0
            for _ in range(args.rounds):
                for side, times in sides.items():
                    python_readers(use_c=side != "python readers")
                    reader = naive_events if side == "naive" else stixhub_events
                    seconds, named[side] = timed(reader, path)
                    times.append(seconds)
                    if side == "stixhub":
                        memos = (_values.IP_OBJECTS, _values.NAME_OBJECTS)
                        misses = sum(m.misses for m in memos) / records
            python_readers(use_c=True)
            best = {side: lines / min(times) for side, times in sides.items()}
            print(f"\n{kind}.log: {records:,} records, {size / 1e6:,.0f} MB")
            for side, rate in best.items():
                ratio = rate / best["naive"]
                print(
                    f"  {side:15s} {rate:12,.0f} lines/s  {ratio:5.1f}x naive  "
                    f"({named[side]:,} observables)"
                )
            print(f"  memo misses (address and name parses): {misses:.3f} per line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
