"""Helper run with ``bench/.venv/bin/python``: the OpenTAXII and OASIS ``stix2`` side of the bench.

Why a separate script: OpenTAXII 0.9.3 and medallion 3.0.0 live in their own virtualenv so
their pins never touch stixhub's. The orchestrator (``poll.py``, stixhub's virtualenv) calls
this script for what needs their Python packages. It uses only the standard library plus the
competitors' own packages, and prints JSON on stdout.

Subcommands:

``opentaxii-ids``
    The API roots and collections OpenTAXII knows (its CLIs print no ids).
``opentaxii-load COLLECTION_ID FILE``
    Insert a bundle's objects into OpenTAXII's own table, in the rows its ``add_objects``
    would write (same columns, same ``serialized_data`` shape, ``date_added`` strictly
    increasing), through its own SQLAlchemy model, in big batches. Going through its HTTP
    POST would validate every object with ``stix2.parse`` and check existence one object at a
    time: hours for 100,000 objects, which measures nothing the poll benchmark is about.
``check-stix FILE [--sample N]``
    Parse objects of a bundle with the OASIS ``stix2`` library (strict, no custom content) to
    show that the generated data is valid STIX 2.1.
"""

import argparse
import datetime
import json
import random
import sys
import time
import uuid
from typing import Any

DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime.datetime:
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
    raise ValueError(f"unsupported timestamp {value!r}")


def _opentaxii_persistence() -> Any:
    """OpenTAXII's configured TAXII 2 persistence API, built from OPENTAXII_CONFIG."""
    from opentaxii.cli import app  # noqa: PLC0415 - needs OPENTAXII_CONFIG set first

    return app, app.taxii_server.servers.taxii2.persistence.api


def opentaxii_ids() -> dict[str, Any]:
    """API roots and collections, as OpenTAXII's persistence API lists them."""
    app, api = _opentaxii_persistence()
    with app.app_context():
        roots = api.get_api_roots()
        return {
            "api_roots": [
                {
                    "id": str(root.id),
                    "title": root.title,
                    "collections": [
                        {"id": str(c.id), "title": c.title} for c in api.get_collections(root.id)
                    ],
                }
                for root in roots
            ]
        }


def opentaxii_load(collection_id: str, path: str, batch: int) -> dict[str, Any]:
    """Bulk-insert a bundle into OpenTAXII's object table; returns counts and seconds."""
    from opentaxii.persistence.sqldb import taxii2models  # noqa: PLC0415

    _app, api = _opentaxii_persistence()
    engine = api.db.engine
    with open(path, encoding="utf-8") as stream:
        objects = json.load(stream)["objects"]
    table = taxii2models.STIXObject.__table__
    start = time.perf_counter()
    base = datetime.datetime.now(datetime.UTC)
    rng = random.Random(f"opentaxii-pk:{collection_id}")
    rows: list[dict[str, Any]] = []
    inserted = 0
    with engine.begin() as connection:
        for number, obj in enumerate(objects):
            # TAXII 2.1 section 3.2: an object's version is its modified, else its created.
            version = obj.get("modified") or obj.get("created")
            rows.append(
                {
                    "pk": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "id": obj["id"],
                    "collection_id": uuid.UUID(collection_id),
                    "type": obj["id"].split("--")[0],
                    "spec_version": obj.get("spec_version", "2.1"),
                    "date_added": base + datetime.timedelta(microseconds=number),
                    "version": _parse_time(version),
                    "serialized_data": {
                        key: value
                        for key, value in obj.items()
                        if key not in ("id", "type", "spec_version")
                    },
                }
            )
            if len(rows) >= batch:
                connection.execute(table.insert(), rows)
                inserted += len(rows)
                rows = []
        if rows:
            connection.execute(table.insert(), rows)
            inserted += len(rows)
    engine.dispose()
    return {"inserted": inserted, "seconds": time.perf_counter() - start}


def check_stix(path: str, sample: int) -> dict[str, Any]:
    """Parse (a sample of) a bundle's objects with the OASIS stix2 library, strictly."""
    import stix2  # noqa: PLC0415

    with open(path, encoding="utf-8") as stream:
        objects = json.load(stream)["objects"]
    chosen = (
        objects
        if sample <= 0 or sample >= len(objects)
        else random.Random(0).sample(objects, sample)
    )
    failures = []
    for obj in chosen:
        try:
            stix2.parse(obj, allow_custom=False, version="2.1")
        except Exception as exc:  # noqa: BLE001 - report every kind of rejection
            failures.append({"id": obj.get("id"), "error": str(exc)[:300]})
    return {
        "checked": len(chosen),
        "unique_ids": len({o["id"] for o in objects}) == len(objects),
        "failures": failures[:20],
        "failure_count": len(failures),
    }


def main(argv: list[str]) -> int:
    """Dispatch a subcommand and print its JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("opentaxii-ids")
    load = sub.add_parser("opentaxii-load")
    load.add_argument("collection_id")
    load.add_argument("file")
    load.add_argument("--batch", type=int, default=5000)
    check = sub.add_parser("check-stix")
    check.add_argument("file")
    check.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args(argv)
    if args.command == "opentaxii-ids":
        result = opentaxii_ids()
    elif args.command == "opentaxii-load":
        result = opentaxii_load(args.collection_id, args.file, args.batch)
    else:
        result = check_stix(args.file, args.sample)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
