"""Fault injection: ``stixhub sync`` as a real process, killed with SIGKILL at random
moments many times against a live hub serving a few thousand versions, restarted each
time. The final folder and the final database mirror must equal one clean full poll."""

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

KILLS = 5
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


def sync_until_done(feed: Feed, target: list[str], state: Path, seed: int) -> list[int]:
    """Run the sync, SIGKILL it after a random delay KILLS times, then let it finish;
    returns, for each kill, how many versions the state had counted by then."""
    rng = random.Random(seed)
    argv = stixhub_command(
        "sync", feed.api_root_url, FEED_ALIAS, *target, "--state", str(state),
        "--user", USER, "--limit", "100",
    )  # fmt: skip
    env = process_env(STIXHUB_PASSWORD=PASSWORD)
    killed: list[int] = []
    for run in range(MAX_RUNS):
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if run < KILLS:
            # Once this run has saved a page, kill it at a random moment after that:
            # mid-request, mid-write of a page, or between a page and its state.
            _saved_a_page(process, state)
            time.sleep(rng.uniform(0.0, 0.25))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                saved = load_state(state)
                killed.append(saved.totals.received if saved else 0)
        _, err = process.communicate(timeout=120)
        if process.returncode == 0:
            if run >= KILLS:
                return killed
            continue
        assert process.returncode == -signal.SIGKILL, err.decode()
    raise AssertionError("the sync never finished")


def test_killed_folder_sync_equals_a_clean_poll(big_feed: Feed, tmp_path: Path) -> None:
    """After many kills and restarts the folder holds every version exactly once, no
    leftover temporary file, and the state's totals count each received version once."""
    folder, state = tmp_path / "feed", tmp_path / "feed.state"
    killed = sync_until_done(big_feed, ["--into", str(folder)], state, seed=5)
    expected = clean_poll(big_feed)
    assert len(expected) > 2000
    assert any(0 < received < len(expected) for received in killed), killed
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
        killed = sync_until_done(big_feed, target, tmp_path / "m.state", seed=11)
        expected = clean_poll(big_feed)
        assert any(0 < received < len(expected) for received in killed), killed
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT body, origin FROM objects WHERE collection_id = ?", (LOCAL,)
            ).all()
        assert canonical(orjson.loads(body) for body, _ in rows) == canonical(expected)
        assert {origin for _, origin in rows} == {big_feed.collection_url}
    finally:
        store.close()
