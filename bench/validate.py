"""Compare stixhub's validator with stix2-validator: objects per second and MUST verdicts.

Run: .venv/bin/python bench/validate.py [--repeat N] [--count N] [--sample N]

Two inputs, both validators in the same run:

* the ATT&CK for ICS bundle (real content, every type of ATT&CK, custom x-mitre objects);
* a generated bundle of 100,000 indicators (``bench/gen.py``, the poll benchmark's
  generator: realistic patterns, kill chain phases, markings, references).

stixhub validates the whole bundle (best of ``--repeat`` runs, memo caches cleared before
each). stix2-validator needs about 4 ms per object, so on the generated bundle it runs on a
deterministic sample (every k-th object, ``--sample`` objects) and its rate is taken from
the sample; the output says so. Verdicts (valid or invalid at MUST level) are compared per
object, on every object the reference saw.
"""

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from stix2validator import ValidationOptions as ReferenceOptions
from stix2validator import validate_parsed_json

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import indicators

from stixhub.stix.validation import Report, Validator
from stixhub.stix.validation._primitives import id_type, timestamp_problem

ICS = (
    Path(__file__).resolve().parents[2]
    / "shared/corpus/real-world/mitre-attack/ics-attack-18.1.json"
)
GOAL = 100


def _ours(validator: Validator, doc: dict[str, Any], repeat: int) -> tuple[float, Report]:
    best, report = float("inf"), Report()
    for _ in range(repeat):
        # Start cold each time: the memo of timestamps and ids would flatter repeated runs.
        id_type.cache_clear()
        timestamp_problem.cache_clear()
        start = time.perf_counter()
        report = validator.validate_document(doc)
        best = min(best, time.perf_counter() - start)
    return best, report


def _reference(objects: list[Any]) -> tuple[float, list[bool]]:
    start = time.perf_counter()
    results = validate_parsed_json(objects, ReferenceOptions(version="2.1"))
    elapsed = time.perf_counter() - start
    return elapsed, [r.is_valid for r in results]


def _run(name: str, doc: dict[str, Any], repeat: int, sample: int | None) -> float:
    validator = Validator()
    objects: list[Any] = doc["objects"]
    count = len(objects)
    ours_time, report = _ours(validator, doc, repeat)
    # Report entries: the bundle first, then one per object in order.
    ours_valid = {e.index: e.valid for e in report.objects if e.index is not None}
    stride = max(1, count // sample) if sample else 1
    indexes = list(range(0, count, stride))[: sample or None]
    ref_time, ref_valid = _reference([objects[i] for i in indexes])
    disagree = [i for i, v in zip(indexes, ref_valid, strict=True) if ours_valid[i] != v]
    ours_rate, ref_rate = count / ours_time, len(indexes) / ref_time
    ratio = ours_rate / ref_rate
    print(f"== {name}: {count:,} objects")
    print(
        f"stixhub          {ours_time * 1000:10.1f} ms  {ours_rate:12,.0f} objects/s"
        f"  (whole bundle, best of {repeat}; bundle valid={report.valid})"
    )
    scope = (
        "every object"
        if len(indexes) == count
        else f"sample of {len(indexes):,} (every {stride}th object), rate scaled from it"
    )
    print(f"stix2-validator  {ref_time * 1000:10.1f} ms  {ref_rate:12,.0f} objects/s  ({scope})")
    print(f"ratio: stixhub is {ratio:,.0f}x faster (goal {GOAL}x)")
    print(
        f"MUST verdicts per object: {len(indexes) - len(disagree):,} of {len(indexes):,} agree"
        f" ({sum(ref_valid):,} valid for the reference)"
    )
    for i in disagree[:10]:
        print(f"  differs: objects[{i}] {objects[i].get('id')}: ours={ours_valid[i]}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs of stixhub (best is kept)")
    parser.add_argument("--count", type=int, default=100_000, help="generated indicators")
    parser.add_argument(
        "--sample", type=int, default=5_000, help="generated objects the reference validates"
    )
    parser.add_argument("--ics", type=Path, default=ICS, help="the ATT&CK for ICS bundle")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}")
    ics = orjson.loads(args.ics.read_bytes())
    _run(f"ATT&CK for ICS ({args.ics.name})", ics, args.repeat, None)
    generated = {
        "type": "bundle",
        "id": "bundle--0f6b4bc0-7a3d-4c9b-8f3c-6a6c1f4c2b11",
        "objects": list(indicators(args.count, seed=42)),
    }
    # The reference on all objects would take minutes; a sample keeps the run short.
    _run("generated indicators (bench/gen.py, seed 42)", generated, args.repeat, args.sample)


if __name__ == "__main__":
    main()
