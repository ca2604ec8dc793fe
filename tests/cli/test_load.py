"""``stixhub load``: files through the ingest path, counted, batched, and safe to re-run."""

import os
import pty
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from stixhub.cli import load as load_module
from stixhub.cli._errors import EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE
from stixhub.store import AddResult, Collection, SqlStore, Store, add_objects
from tests.cli._helpers import SAMPLES, Cli, one_line_error

ICS = SAMPLES / "ics-attack-18.1.json"
APT1 = SAMPLES / "apt1.json"
POISON_IVY = SAMPLES / "poisonivy.json"


def _indicator(n: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=n, version=4)}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "pattern": f"[ipv4-addr:value = '192.0.2.{n}']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }


TWO = [_indicator(1), _indicator(2)]
BROKEN = {"type": "indicator", "id": "malware--00000000-0000-4000-8000-000000000000"}


def _write(path: Path, value: object) -> Path:
    path.write_bytes(orjson.dumps(value))
    return path


class TestSamples:
    """The three sample files load completely, and loading them again stores nothing."""

    def test_attack_ics(self, cli: Cli, collection: str, hub_store: SqlStore) -> None:
        """ATT&CK for ICS v18.1 loads all of its 1,826 objects."""
        result = cli("load", collection, str(ICS))
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{ICS}: 1826 objects: 1826 stored, 0 unchanged, 0 failed\n"
        assert result.stderr == ""  # no progress bar when stderr is not a terminal
        assert hub_store.count_objects(collection) == 1826

    def test_threat_reports_together(self, cli: Cli, collection: str, hub_store: SqlStore) -> None:
        """APT1 (76 objects) and Poison Ivy (155) load in one command, with a total line."""
        result = cli("load", collection, str(APT1), str(POISON_IVY))
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            f"{APT1}: 76 objects: 76 stored, 0 unchanged, 0 failed",
            f"{POISON_IVY}: 155 objects: 155 stored, 0 unchanged, 0 failed",
            "total: 231 objects: 231 stored, 0 unchanged, 0 failed",
        ]
        assert hub_store.count_objects(collection) == 231

    def test_reload_stores_nothing_new(
        self, cli: Cli, collection: str, hub_store: SqlStore
    ) -> None:
        """Loading the same files again reports every object unchanged and adds no version."""
        cli("load", collection, str(APT1), str(POISON_IVY))
        again = cli("load", collection, str(APT1), str(POISON_IVY))
        assert again.exit_code == 0
        assert (
            again.stdout.splitlines()[-1] == "total: 231 objects: 0 stored, 231 unchanged, 0 failed"
        )
        assert hub_store.count_objects(collection) == 231


class TestInputShapes:
    """Bundles, envelopes, single objects and JSON lines are all accepted."""

    @pytest.mark.parametrize(
        "content",
        [
            orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": TWO}),
            orjson.dumps({"objects": TWO}),
            b"".join(orjson.dumps(o) + b"\n" for o in TWO),
        ],
        ids=["bundle", "envelope", "json-lines"],
    )
    def test_shape(
        self, cli: Cli, collection: str, hub_store: SqlStore, tmp_path: Path, content: bytes
    ) -> None:
        """Each shape stores its two indicators."""
        path = tmp_path / "input.json"
        path.write_bytes(content)
        result = cli("load", collection, str(path))
        assert result.exit_code == 0, result.output
        assert hub_store.count_objects(collection) == 2

    def test_single_object(
        self, cli: Cli, collection: str, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """A file holding one bare STIX object stores it."""
        result = cli("load", collection, str(_write(tmp_path / "one.json", _indicator(7))))
        assert result.exit_code == 0
        assert hub_store.object_exists(collection, _indicator(7)["id"])


class TestFailures:
    """Refused objects, broken files and wrong arguments, with their exit codes."""

    def test_some_objects_refused_is_partial_success(
        self, cli: Cli, collection: str, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """Valid objects are stored, the invalid one is named on stderr, and the exit is 4."""
        path = _write(tmp_path / "mixed.json", {"objects": [_indicator(1), BROKEN, _indicator(2)]})
        result = cli("load", collection, str(path))
        assert result.exit_code == EXIT_PARTIAL
        assert "2 stored, 0 unchanged, 1 failed" in result.stdout
        assert f"object 2 ({BROKEN['id']})" in result.stderr
        assert "does not match type" in result.stderr
        assert hub_store.count_objects(collection) == 2

    def test_every_object_refused_is_failure(
        self, cli: Cli, collection: str, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """When no object could be stored, the load failed: exit 1."""
        path = _write(tmp_path / "bad.json", {"objects": [BROKEN]})
        result = cli("load", collection, str(path))
        assert result.exit_code == EXIT_FAILED
        assert "0 stored, 0 unchanged, 1 failed" in result.stdout
        assert hub_store.count_objects(collection) == 0

    def test_strict_collection_refuses_custom_objects(
        self, cli: Cli, api_root: str, hub_store: SqlStore
    ) -> None:
        """A ``--strict`` collection refuses ATT&CK's custom x-mitre objects: partial, exit 4."""
        strict = cli("collection", "add", api_root, "--title", "Strict", "--strict").stdout.strip()
        result = cli("load", strict, str(ICS))
        assert result.exit_code == EXIT_PARTIAL
        assert "x-mitre-" in result.stderr
        stored = hub_store.count_objects(strict)
        assert 0 < stored < 1826

    def test_conflicting_version_is_refused(
        self, cli: Cli, collection: str, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """Other content under a stored id and version is refused, never replacing it."""
        cli("load", collection, str(_write(tmp_path / "a.json", _indicator(1))))
        changed = {**_indicator(1), "name": "changed"}
        result = cli("load", collection, str(_write(tmp_path / "b.json", changed)))
        assert result.exit_code == EXIT_FAILED
        assert "new version needs a new modified" in result.stderr

    def test_a_broken_file_stores_nothing(
        self, cli: Cli, collection: str, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """A file that is not JSON is bad input (exit 2); no file of the command is loaded."""
        good = _write(tmp_path / "good.json", _indicator(1))
        broken = tmp_path / "broken.json"
        broken.write_text('{"objects": [')
        result = cli("load", collection, str(good), str(broken))
        assert result.exit_code == EXIT_USAGE
        assert str(broken) in one_line_error(result)
        assert hub_store.count_objects(collection) == 0

    def test_json_that_is_not_stix(self, cli: Cli, collection: str, tmp_path: Path) -> None:
        """A JSON list is not a bundle, envelope or object: bad input, exit 2."""
        result = cli("load", collection, str(_write(tmp_path / "list.json", [1, 2])))
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    def test_too_deep_json(self, cli: Cli, collection: str, tmp_path: Path) -> None:
        """JSON nested deeper than the max_json_depth setting is refused as bad input."""
        deep: Any = {"objects": []}
        for _ in range(100):
            deep = {"x": deep}
        result = cli("load", collection, str(_write(tmp_path / "deep.json", deep)))
        assert result.exit_code == EXIT_USAGE
        assert "deeper" in one_line_error(result)

    def test_missing_file(self, cli: Cli, collection: str, tmp_path: Path) -> None:
        """A file that does not exist is bad usage, before anything is read."""
        result = cli("load", collection, str(tmp_path / "missing.json"))
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    def test_unknown_collection(self, cli: Cli, api_root: str) -> None:
        """Loading into a collection that does not exist is bad usage."""
        result = cli("load", str(uuid.uuid4()), str(APT1))
        assert result.exit_code == EXIT_USAGE
        assert "no collection" in one_line_error(result)

    def test_by_alias_title_or_api_root_and_alias(
        self, cli: Cli, api_root: str, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """``load indicators FILE`` finds the collection by alias, as it does by title or
        API_ROOT/ALIAS."""
        made = cli("collection", "add", api_root, "--title", "Indicators", "--alias", "indicators")
        collection_id = made.stdout.strip()
        for n, key in enumerate(("indicators", "Indicators", "api1/indicators"), start=1):
            result = cli("load", key, str(_write(tmp_path / f"{n}.json", _indicator(n))))
            assert result.exit_code == 0, result.output
        assert hub_store.count_objects(collection_id) == 3

    def test_ambiguous_collection(self, cli: Cli, api_root: str, tmp_path: Path) -> None:
        """A title used in two API roots is bad usage, and the error lists both."""
        cli("api-root", "add", "api2", "--title", "API 2")
        first = cli("collection", "add", api_root, "--title", "Intel").stdout.strip()
        second = cli("collection", "add", "api2", "--title", "Intel").stdout.strip()
        result = cli("load", "Intel", str(_write(tmp_path / "one.json", _indicator(1))))
        assert result.exit_code == EXIT_USAGE
        line = one_line_error(result)
        assert first in line
        assert second in line

    def test_no_files(self, cli: Cli, collection: str) -> None:
        """At least one file is required."""
        result = cli("load", collection)
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)


class TestBatches:
    """Objects go to the store in batches, one transaction each."""

    def test_objects_are_added_in_batches(
        self,
        cli: Cli,
        collection: str,
        hub_store: SqlStore,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """With a batch size of 100, 231 objects are added as 100, 100 and 31."""
        sizes: list[int] = []

        def counting(
            store: Store, collection: Collection, objects: Sequence[Any], **options: Any
        ) -> list[AddResult]:
            sizes.append(len(objects))
            return add_objects(store, collection, objects, **options)

        monkeypatch.setattr(load_module, "BATCH_SIZE", 100)
        monkeypatch.setattr(load_module, "add_objects", counting)
        result = cli("load", collection, str(APT1), str(POISON_IVY))
        assert result.exit_code == 0
        assert sizes == [76, 100, 55]
        assert hub_store.count_objects(collection) == 231

    def test_failure_positions_count_across_batches(
        self, cli: Cli, collection: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A refused object is numbered by its place in the file, not in its batch."""
        monkeypatch.setattr(load_module, "BATCH_SIZE", 2)
        path = _write(tmp_path / "f.json", {"objects": [_indicator(1), _indicator(2), BROKEN]})
        result = cli("load", collection, str(path))
        assert result.exit_code == EXIT_PARTIAL
        assert f"object 3 ({BROKEN['id']})" in result.stderr


class TestProgressBar:
    """The progress bar is drawn only for a person watching a terminal."""

    def test_bar_on_a_terminal(self, tmp_path: Path) -> None:
        """With stderr on a terminal, load draws a rich progress bar there."""
        db_url = f"sqlite:///{tmp_path / 'hub.db'}"  # a display test: one backend is enough
        cli = Cli(db_url)
        cli("init")
        cli("api-root", "add", "api1", "--title", "API 1")
        collection = cli("collection", "add", "api1", "--title", "Intel").stdout.strip()
        controller, terminal = pty.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
        env.pop("STIXHUB_CONFIG", None)
        with os.fdopen(controller, "rb", buffering=0) as screen:
            process = subprocess.Popen(
                [sys.executable, "-m", "stixhub.cli.main", "--db", db_url, "load", collection,
                 str(APT1)],
                stdout=subprocess.PIPE,
                stderr=terminal,
                env=env,
            )  # fmt: skip
            os.close(terminal)
            stdout, _ = process.communicate(timeout=120)
            drawn = b""
            try:
                while chunk := screen.read(4096):
                    drawn += chunk
            except OSError:  # the terminal closes when the process ends
                pass
        assert process.returncode == 0
        assert b"76 stored" in stdout
        assert b"76/76" in drawn
        assert b"apt1.json" in drawn
