"""Compare stixhub's validator with stix2-validator on the ATT&CK for ICS bundle.

Run: .venv/bin/python bench/bench_validator.py [PATH] [--repeat N]

Both validators see the same parsed bundle in the same run; the script prints objects per
second for each, the ratio, and whether their MUST-level verdicts agree.
"""

import argparse
import time
from pathlib import Path

import orjson
from stix2validator import ValidationOptions as ReferenceOptions
from stix2validator import validate_parsed_json

from stixhub.stix.validation import Validator
from stixhub.stix.validation._primitives import id_type, timestamp_problem

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared/corpus/real-world/mitre-attack/ics-attack-18.1.json"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=5, help="runs of stixhub (best is kept)")
    args = parser.parse_args()
    raw = args.path.read_bytes()
    doc = orjson.loads(raw)
    count = len(doc["objects"])

    validator = Validator()
    best = float("inf")
    for _ in range(args.repeat):
        # Start cold each time: the memo of timestamps and ids would flatter repeated runs.
        id_type.cache_clear()
        timestamp_problem.cache_clear()
        start = time.perf_counter()
        ours = validator.validate_document(doc)
        best = min(best, time.perf_counter() - start)

    start = time.perf_counter()
    reference = validate_parsed_json(doc, ReferenceOptions(version="2.1"))
    ref_time = time.perf_counter() - start

    ours_rate, ref_rate = count / best, count / ref_time
    print(f"input: {args.path.name} ({count} objects)")
    print(
        f"stixhub          {best * 1000:9.1f} ms  {ours_rate:12,.0f} objects/s  valid={ours.valid}"
    )
    print(
        f"stix2-validator  {ref_time * 1000:9.1f} ms  {ref_rate:12,.0f} objects/s  "
        f"valid={reference.is_valid}"
    )
    print(
        f"ratio: stixhub is {ours_rate / ref_rate:,.0f}x faster; "
        f"verdicts agree: {ours.valid == reference.is_valid}"
    )


if __name__ == "__main__":
    main()
