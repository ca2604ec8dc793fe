"""Fault injection: ``stixhub sync`` as a real process, killed with SIGKILL at random
moments many times against a live hub serving a few thousand versions, restarted each
time: from the moment a process starts (before any state exists) and after it saved pages.
The final folder and the final database mirror must equal one clean full poll."""

import random
import signal
import subprocess
import time
from pathlib import Path

import orjson

from stixhub.store import SqlStore, make_engine
from stixhub.sync import iter_objects, load_state
from tests.cli._helpers import stixhub_command
from tests.conftest import copy_sqlite_template
from tests.sync.conftest import (
    FEED_ALIAS,
    PASSWORD,
    USER,
    Feed,
    canonical,
    clean_poll,
    no_temporary_files,
    process_env,
)

KILLS = 4
"""Kills once a run has saved a page: mid-request, mid-write, between a page and its state."""
EARLY_KILLS = 3
"""Kills at a random moment from the process's start while no state exists yet: start-up,
the lock, reading the (absent) state, the first request, the first page's write."""
MAX_RUNS = 40
LOCAL = "0b7c3e2a-5d1f-4e6a-9b8c-7d6e5f4a3b2c"


def _stamp(state: Path) -> tuple[int, int] | None:
    try:
        info = state.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns


def _saved_a_page(process: "subprocess.Popen[bytes]", state: Path) -> bool:
    """Wait until the running sync replaces its state file (it saved a page) or exits."""
    before = _stamp(state)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if _stamp(state) != before:
            return True
        time.sleep(0.01)
    return False


def _kill(process: "subprocess.Popen[bytes]", state: Path) -> int | None:
    """SIGKILL the run if it is still going; the versions its state counted (None: no state
    saved yet), or -1 when it had already finished."""
    if process.poll() is not None:
        return -1
    process.send_signal(signal.SIGKILL)
    process.wait()
    saved = load_state(state)
    return saved.totals.received if saved else None


def sync_until_done(
    feed: Feed, target: list[str], state: Path, seed: int
) -> tuple[list[int | None], list[int | None]]:
    """Run the sync, SIGKILL it EARLY_KILLS times early and KILLS times after a saved page,
    then let it finish; returns, for the early and the later kills, how many versions the
    state had counted by then (None: no state yet)."""
    rng = random.Random(seed)
    argv = stixhub_command(
        "sync", feed.api_root_url, FEED_ALIAS, *target, "--state", str(state),
        "--user", USER, "--limit", "100",
    )  # fmt: skip
    env = process_env(STIXHUB_PASSWORD=PASSWORD)
    early: list[int | None] = []
    later: list[int | None] = []
    # The first window is shorter than any start-up (the first kill finds no state; the
    # tests assert it); it widens each time a kill lands before the process saved anything,
    # so the kills sweep start-up, the lock, the first request and the first page's write,
    # whatever the machine's speed.
    horizon = 0.5
    for _ in range(MAX_RUNS):
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if len(early) < EARLY_KILLS and not state.exists():
            # At the drawn moment, or as soon as the first page is saved if that is sooner,
            # so an early run never gets through the whole feed.
            deadline = time.monotonic() + rng.uniform(0.0, horizon)
            while time.monotonic() < deadline and not state.exists():
                time.sleep(0.002)
            early.append(_kill(process, state))
            if not state.exists():
                horizon *= 1.5
        elif len(later) < KILLS:
            _saved_a_page(process, state)
            time.sleep(rng.uniform(0.0, 0.25))
            later.append(_kill(process, state))
        _, err = process.communicate(timeout=120)
        if process.returncode == 0:
            if len(later) >= KILLS:
                return early, later
            continue
        assert process.returncode == -signal.SIGKILL, err.decode()
    raise AssertionError("the sync never finished")


def test_killed_folder_sync_equals_a_clean_poll(big_feed: Feed, tmp_path: Path) -> None:
    """After many kills and restarts the folder holds every version exactly once, no
    leftover temporary file, and the state's totals count each received version once."""
    folder, state = tmp_path / "feed", tmp_path / "feed.state"
    early, later = sync_until_done(big_feed, ["--into", str(folder)], state, seed=5)
    expected = clean_poll(big_feed)
    assert len(expected) > 2000
    assert None in early, early
    assert any(r is not None and 0 < r < len(expected) for r in later), later
    assert canonical(iter_objects(folder)) == canonical(expected)
    assert no_temporary_files(folder)
    saved = load_state(state)
    assert saved is not None
    assert saved.totals.received == len(expected)
    assert saved.totals.refused == 0


def test_killed_mirror_sync_equals_a_clean_poll(
    big_feed: Feed, tmp_path: Path, sqlite_template: Path
) -> None:
    """After many kills and restarts the mirror collection holds every version exactly
    once, each with the source collection as origin."""
    (tmp_path / "local").mkdir()
    db_url = copy_sqlite_template(sqlite_template, tmp_path / "local")
    store = SqlStore(make_engine(db_url))
    try:
        store.create_api_root("mirror", "Mirror")
        store.create_collection("mirror", "CERT mirror", collection_id=LOCAL)
        target = ["--into-db", db_url, "--into-collection", LOCAL]
        early, later = sync_until_done(big_feed, target, tmp_path / "m.state", seed=11)
        expected = clean_poll(big_feed)
        assert None in early, early
        assert any(r is not None and 0 < r < len(expected) for r in later), later
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT body, origin FROM objects WHERE collection_id = ?", (LOCAL,)
            ).all()
        assert canonical(orjson.loads(body) for body, _ in rows) == canonical(expected)
        assert {origin for _, origin in rows} == {big_feed.collection_url}
    finally:
        store.close()
