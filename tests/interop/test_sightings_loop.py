"""The sightings loop end to end on a live hub, every step a real ``stixhub`` process:
the publisher pushes indicators, the consumer syncs them, senses a corpus log and reports;
the hub's summary and its sightings collection show exactly the expected sightings."""

import os
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from stixhub.client import BasicAuth, Query, TaxiiClient
from stixhub.sensor import read_log
from stixhub.sensor._sightings import period_start, sighting_id
from stixhub.stix import parse_rfc3339_micros
from tests.cli._helpers import (
    CLEAN_ENV,
    Cli,
    ServerProcess,
    free_port,
    running_server,
    stixhub_command,
)
from tests.conftest import copy_sqlite_template
from tests.sensor._helpers import identity, indicator

LOGS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "logs" / "zeek-tsv"
HTTP_LOG = LOGS / "rita-proxy" / "http.log"
SSL_LOG = LOGS / "rita-proxy" / "ssl.log"
INTEL = str(uuid.UUID(int=11, version=4))
INBOX = str(uuid.UUID(int=12, version=4))
DOMAIN = "www.honestimnotevil.com"
MATCHING = "indicator--6b2c8f1e-0000-4000-8000-000000000001"
IDLE = "indicator--6b2c8f1e-0000-4000-8000-000000000002"
CONSUMER_IDENTITY = identity("identity--5a8e3c1d-7b9f-4e2a-8c6d-1f0a2b3c4d5e")
PASSWORDS = {"publisher": "publisher-pw-1", "consumer": "consumer-pw-1"}


@dataclass
class Loop:
    """The hub's database, where it listens, and the consumer's working folder."""

    db_url: str
    port: int
    work: Path
    server: ServerProcess | None = None

    @property
    def api_root(self) -> str:
        return f"http://127.0.0.1:{self.port}/api1/"

    def run(self, account: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``stixhub ARGS`` as a new process with the account's credentials in the env."""
        env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
        env |= {"STIXHUB_USER": account, "STIXHUB_PASSWORD": PASSWORDS[account]}
        env["XDG_STATE_HOME"] = str(self.work / "state")
        return subprocess.run(
            stixhub_command(*args),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    def sense(self, *logs: Path) -> subprocess.CompletedProcess[str]:
        """The consumer's sense run on the synced indicators, reporting to the inbox."""
        log_args = [a for log in logs for a in ("--log", str(log))]
        return self.run(
            "consumer", "sense", "--indicators", str(self.work / "intel"), *log_args,
            "--identity", str(self.work / "identity.json"), "--spool", str(self.work / "spool"),
            "--report", self.api_root, INBOX, "--json", "--timeout", "5",
        )  # fmt: skip

    def summary(self) -> list[dict[str, Any]]:
        """``stixhub sightings summary --json`` on the hub's database."""
        result = Cli(self.db_url)("sightings", "summary", "--json")
        assert result.exit_code == 0, result.output
        rows: list[dict[str, Any]] = orjson.loads(result.stdout)
        return rows

    def inbox_versions(self) -> dict[str, list[dict[str, Any]]]:
        """Every version of every object in the inbox, read back over TAXII."""
        auth = BasicAuth("consumer", PASSWORDS["consumer"])
        with TaxiiClient(self.api_root, auth=auth) as client:
            found: dict[str, list[dict[str, Any]]] = {}
            for obj in client.iter_objects(INBOX, Query(versions=("all",))):
                found.setdefault(obj["id"], []).append(obj)
        return found


@pytest.fixture
def loop(tmp_path: Path, sqlite_template: Path) -> Iterator[Loop]:
    """A hub with an intel collection and a sightings inbox, the consumer bound to its
    identity, serving on a free port; stopped when the test ends."""
    db_url = copy_sqlite_template(sqlite_template, tmp_path)
    cli = Cli(db_url)
    identity = tmp_path / "identity.json"
    identity.write_bytes(orjson.dumps(CONSUMER_IDENTITY))
    for args, given in [
        (["api-root", "add", "api1", "--title", "Hub"], None),
        (["collection", "add", "api1", "--id", INTEL, "--title", "Intel"], None),
        (["collection", "add", "api1", "--id", INBOX, "--title", "Sightings",
          "--sightings-inbox"], None),
        (["account", "add", "publisher", "--password-stdin"], PASSWORDS["publisher"] + "\n"),
        (["account", "add", "consumer", "--password-stdin", "--identity", str(identity)],
         PASSWORDS["consumer"] + "\n"),
        (["grant", "publisher", INTEL, "--read", "--write"], None),
        (["grant", "consumer", INTEL, "--read"], None),
        (["grant", "consumer", INBOX, "--read", "--write"], None),
    ]:  # fmt: skip
        result = cli(*args, input=given)
        assert result.exit_code == 0, result.output
    state = Loop(db_url, free_port(), tmp_path)
    with running_server(["--db", db_url, "serve", "--port", str(state.port)], state.port) as s:
        state.server = s
        yield state


def _publish_and_sync(loop: Loop) -> None:
    bundle = loop.work / "indicators.json"
    patterns = {MATCHING: f"[domain-name:value = '{DOMAIN}']"}
    patterns[IDLE] = "[domain-name:value = 'example.invalid']"
    indicators = [indicator(i, p, name=p) for i, p in patterns.items()]
    bundle.write_bytes(
        orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": indicators})
    )
    pushed = loop.run("publisher", "push", loop.api_root, INTEL, str(bundle))
    assert pushed.returncode == 0, pushed.stderr
    synced = loop.run(
        "consumer", "sync", loop.api_root, INTEL,
        "--into", str(loop.work / "intel"), "--state", str(loop.work / "sync-state.json"),
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr


def _expected(*logs: Path) -> Counter[int]:
    """Events naming the domain per UTC hour, counted with the readers alone."""
    hours: Counter[int] = Counter()
    for log in logs:
        for event in read_log(log):
            if any(o.get("value") == DOMAIN for o in event.objects.values()):
                hours[period_start(event.time, 3600)] += 1
    return hours


def _check_hub(loop: Loop, hours: Counter[int], versions: dict[str, int]) -> None:
    """The summary and the inbox hold exactly the expected sightings, each version once."""
    (row,) = loop.summary()
    assert row["sighting_of_ref"] == MATCHING
    assert row["organisations"] == 1
    assert row["sightings"] == len(hours)
    assert row["count"] == sum(hours.values())
    stored = loop.inbox_versions()
    sightings = {k: v for k, v in stored.items() if k.startswith("sighting--")}
    expected_ids = {sighting_id(CONSUMER_IDENTITY["id"], MATCHING, h, 3600) for h in hours}
    assert set(sightings) == expected_ids
    for start, count in hours.items():
        sid = sighting_id(CONSUMER_IDENTITY["id"], MATCHING, start, 3600)
        modified = [v["modified"] for v in sightings[sid]]
        assert len(modified) == len(set(modified)) == versions.get(sid, 1)
        latest = max(sightings[sid], key=lambda v: parse_rfc3339_micros(v["modified"]))
        assert latest["count"] == count
        assert latest["created_by_ref"] == CONSUMER_IDENTITY["id"]


class TestSightingsLoop:
    """Publish, sync, sense, report; again; and across a hub outage."""

    def test_loop(self, loop: Loop) -> None:
        """The hub shows exactly the expected sightings; a re-run changes nothing; a run
        while the hub is down is delivered, once, by the run after it is back."""
        _publish_and_sync(loop)
        first = loop.sense(HTTP_LOG)
        assert first.returncode == 0, first.stderr
        report = orjson.loads(first.stdout)
        hours = _expected(HTTP_LOG)
        assert report["sightings"] == len(hours) > 1
        assert report["delivery"]["delivered_bundles"] == 1
        _check_hub(loop, hours, {})

        again = loop.sense(HTTP_LOG)
        assert again.returncode == 0, again.stderr
        assert orjson.loads(again.stdout)["sightings"] == 0
        _check_hub(loop, hours, {})

        assert loop.server is not None
        loop.server.stop()
        down = loop.sense(HTTP_LOG, SSL_LOG)
        assert down.returncode == 1, down.stderr
        assert "1 bundle waits in" in down.stderr
        outbox = loop.work / "spool" / "outbox"
        assert len(list(outbox.glob("*-bundle--*[0-9a-f].json"))) == 1  # and its .to.json
        both = _expected(HTTP_LOG, SSL_LOG)
        changed = {
            sighting_id(CONSUMER_IDENTITY["id"], MATCHING, h, 3600): 2
            for h in both
            if both[h] != hours.get(h)
        }
        assert changed

        with running_server(
            ["--db", loop.db_url, "serve", "--port", str(loop.port)], loop.port
        ) as server:
            loop.server = server
            back = loop.sense(HTTP_LOG, SSL_LOG)
            assert back.returncode == 0, back.stderr
            result = orjson.loads(back.stdout)
            assert result["sightings"] == 0
            assert result["delivery"]["delivered_bundles"] == 1
            assert list((loop.work / "spool" / "outbox").iterdir()) == []
            new_hours = {h for h in both if h not in hours}
            versions = {
                sid: (1 if any(
                    sid == sighting_id(CONSUMER_IDENTITY["id"], MATCHING, h, 3600)
                    for h in new_hours
                ) else n)
                for sid, n in changed.items()
            }  # fmt: skip
            _check_hub(loop, both, versions)
