"""``stixhub sightings summary`` at scale: sightings/s and peak memory, SQLite and PostgreSQL.

    .venv/bin/python bench/sightings.py [--sightings N] [--postgres URL]

Stores N sightings (default 200,000) of 10,000 indicators by 50 organisations in one inbox,
then times ``sightings_summary`` twice and once with ``since``. PostgreSQL gets a schema of
its own, dropped at the end.
"""

import argparse
import resource
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from stixhub.stix import prepare_object
from stixhub.store import SqlStore, make_engine, migrate, sightings_summary

INDICATORS = 10_000
ORGANISATIONS = 50
BATCH = 5000


def _sighting(i: int) -> dict[str, object]:
    reporter = f"identity--{uuid.UUID(int=i % ORGANISATIONS + 1, version=4)}"
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.UUID(int=i + 1, version=4)}",
        "created": "2024-05-01T10:00:00.000Z",
        "modified": "2024-05-01T10:00:00.000Z",
        "sighting_of_ref": f"indicator--{uuid.UUID(int=i % INDICATORS + 1, version=4)}",
        "created_by_ref": reporter,
        "where_sighted_refs": [reporter],
        "count": i % 9 + 1,
        "first_seen": "2024-05-01T09:00:00Z",
        "last_seen": f"2024-05-01T{10 + i % 12}:00:00.{i % 1000:03d}Z",
        "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
    }


def run(url: str, label: str, sightings: int) -> None:
    """Fill one inbox and time the summary on it."""
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    store = SqlStore(make_engine(url))
    store.create_api_root("api1", "Bench")
    inbox = store.create_collection("api1", "Inbox", sightings_inbox=True)
    # Straight into the store: the door's rules are not what is measured here.
    for start in range(0, sightings, BATCH):
        end = min(start + BATCH, sightings)
        store.add_objects(inbox.id, [prepare_object(_sighting(i)) for i in range(start, end)])
    store.refresh_statistics()
    for attempt in (1, 2):
        began = time.perf_counter()
        rows = sightings_summary(store)
        took = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(
            f"{label} run {attempt}: {sightings:,} sightings -> {len(rows):,} indicators in "
            f"{took:.2f} s ({sightings / took:,.0f} sightings/s), peak RSS {peak} MB"
        )
    began = time.perf_counter()
    rows = sightings_summary(store, since="2024-05-01T16:00:00Z")
    print(f"{label} --since: {len(rows):,} indicators in {time.perf_counter() - began:.2f} s")
    store.close()


def main() -> None:
    """Run on SQLite, then on PostgreSQL when a URL is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, default=200_000)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'hub.db'}", "sqlite", args.sightings)
    if args.postgres:
        schema = f"bench_sightings_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            run(url.render_as_string(hide_password=False), "postgresql", args.sightings)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
