"""The synced folder: its layout, the writer's guarantees and the public readers."""

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from stixhub.store import AddOutcome
from stixhub.sync import FolderError, _targets, iter_objects, latest_objects
from stixhub.sync._atomic import flush_file_system, temporary_name, write_atomically
from stixhub.sync._targets import FolderTarget

ID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
IP_ID = "ipv4-addr--ff0c8ce9-4f2b-5b5c-a5ae-3dc0d3ad8a0c"


def version(modified: str | None, object_id: str = ID, **extra: Any) -> dict[str, Any]:
    """An indicator version (``modified`` None leaves it out: created is the version)."""
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": object_id,
        "created": "2024-03-01T10:00:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.7']",
        "pattern_type": "stix",
        "valid_from": "2024-03-01T00:00:00Z",
    }
    if modified is not None:
        obj["modified"] = modified
    obj.update(extra)
    return obj


@pytest.fixture
def target(tmp_path: Path) -> Iterator[FolderTarget]:
    """A writer on an empty synced folder."""
    writer = FolderTarget(tmp_path / "feed")
    yield writer
    writer.close()


def files(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class TestLayout:
    def test_one_file_per_version_named_by_modified(self, target: FolderTarget) -> None:
        """Versions land at objects/<type>/<id>/<modified with - for :>.json as received."""
        first = version("2024-03-01T10:00:00.000Z")
        second = version("2024-03-02T11:30:15.123456Z", name="renamed")
        results = target.write([first, second])
        assert [r.outcome for r in results] == [AddOutcome.STORED] * 2
        folder = target.root / "objects" / "indicator" / ID
        assert sorted(p.name for p in folder.iterdir()) == [
            "2024-03-01T10-00-00.000Z.json",
            "2024-03-02T11-30-15.123456Z.json",
        ]
        assert orjson.loads((folder / "2024-03-02T11-30-15.123456Z.json").read_bytes()) == second

    def test_created_then_unversioned(self, target: FolderTarget) -> None:
        """Without modified the version is created; without both it is 'unversioned'."""
        ip = {"type": "ipv4-addr", "id": IP_ID, "value": "203.0.113.7"}
        target.write([version(None), ip])
        assert (target.root / f"objects/indicator/{ID}/2024-03-01T10-00-00.000Z.json").is_file()
        stored = target.root / f"objects/ipv4-addr/{IP_ID}/unversioned.json"
        assert orjson.loads(stored.read_bytes()) == ip  # as received: no spec_version added

    def test_writing_again_is_idempotent(self, target: FolderTarget) -> None:
        """The same page twice stores nothing new and leaves the files as they were."""
        page = [version("2024-03-01T10:00:00.000Z"), version("2024-03-02T10:00:00.000Z")]
        target.write(page)
        before = files(target.root)
        again = target.write(page)
        assert [r.outcome for r in again] == [AddOutcome.UNCHANGED] * 2
        assert files(target.root) == before

    def test_other_content_for_a_version_is_refused(self, target: FolderTarget) -> None:
        """A version with other content than the one on disk fails and the first is kept."""
        target.write([version("2024-03-01T10:00:00.000Z", name="first")])
        results = target.write([version("2024-03-01T10:00:00.000Z", name="second")])
        assert results[0].outcome == AddOutcome.FAILED
        assert "already in the folder" in (results[0].message or "")
        assert [o["name"] for o in iter_objects(target.root)] == ["first"]

    def test_newest_unversioned_copy_replaces_the_file(self, target: FolderTarget) -> None:
        """An object without versions has one file, holding the last copy received."""
        target.write([{"type": "ipv4-addr", "id": IP_ID, "value": "203.0.113.7"}])
        again = target.write([{"type": "ipv4-addr", "id": IP_ID, "value": "203.0.113.8"}])
        assert again[0].outcome == AddOutcome.STORED
        assert [o["value"] for o in iter_objects(target.root)] == ["203.0.113.8"]

    def test_duplicates_in_one_page_are_one_file(self, target: FolderTarget) -> None:
        """The same version twice in a page is stored once, then unchanged."""
        obj = version("2024-03-01T10:00:00.000Z")
        results = target.write([obj, obj])
        assert [r.outcome for r in results] == [AddOutcome.STORED, AddOutcome.UNCHANGED]

    @pytest.mark.parametrize(
        "hostile",
        [
            {"type": "indicator", "id": "indicator--../../../../etc"},
            {"type": "..", "id": "..--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"},
            {**version(None), "modified": "../../x"},
            {"type": "indicator"},
            "not an object",
        ],
    )
    def test_objects_that_make_no_safe_path_are_refused(
        self, target: FolderTarget, hostile: Any
    ) -> None:
        """A type, id or version that is not what STIX says fails, and nothing is written."""
        results = target.write([hostile, version("2024-03-01T10:00:00.000Z")])
        assert [r.outcome for r in results] == [AddOutcome.FAILED, AddOutcome.STORED]
        assert len(files(target.root.parent)) == 1


class TestReaders:
    def test_iter_objects_gives_every_version(self, target: FolderTarget) -> None:
        """iter_objects yields each stored version once, in type, id and version order."""
        other = "indicator--00000000-0000-4000-8000-000000000001"
        target.write(
            [
                version("2024-03-02T10:00:00.000Z"),
                version("2024-03-01T10:00:00.000Z", object_id=other),
                version("2024-03-01T10:00:00.000Z"),
            ]
        )
        assert [(o["id"], o["modified"]) for o in iter_objects(target.root)] == [
            (other, "2024-03-01T10:00:00.000Z"),
            (ID, "2024-03-01T10:00:00.000Z"),
            (ID, "2024-03-02T10:00:00.000Z"),
        ]

    def test_latest_objects_keeps_the_revoked_newest(self, target: FolderTarget) -> None:
        """The newest version of each id is given, a revocation included."""
        target.write(
            [
                version("2024-03-01T10:00:00.000Z"),
                version("2024-03-03T10:00:00Z", revoked=True),
                version("2024-03-02T10:00:00.000Z"),
            ]
        )
        latest = list(latest_objects(target.root))
        assert [(o["modified"], o.get("revoked")) for o in latest] == [
            ("2024-03-03T10:00:00Z", True)
        ]

    def test_latest_compares_instants_not_spellings(self, target: FolderTarget) -> None:
        """A later instant with fewer digits is newer than an earlier one with more."""
        target.write(
            [version("2024-03-01T10:00:00.999999Z"), version("2024-03-01T10:00:01Z", name="n")]
        )
        assert [o["modified"] for o in latest_objects(target.root)] == ["2024-03-01T10:00:01Z"]

    def test_readers_skip_temporary_files(self, target: FolderTarget) -> None:
        """A writer's leftover temporary file is not an object."""
        target.write([version("2024-03-01T10:00:00.000Z")])
        folder = target.root / "objects" / "indicator" / ID
        (folder / ".2024-03-02T10-00-00.000Z.json.tmp").write_bytes(b'{"half')
        assert len(list(iter_objects(target.root))) == 1
        assert len(list(latest_objects(target.root))) == 1

    def test_not_a_synced_folder(self, tmp_path: Path) -> None:
        """A folder without objects/ is refused with a FolderError, not read as empty."""
        with pytest.raises(FolderError, match="not a synced folder"):
            list(iter_objects(tmp_path))
        with pytest.raises(FolderError, match="not a synced folder"):
            list(latest_objects(tmp_path / "missing"))

    def test_broken_file_is_named(self, target: FolderTarget) -> None:
        """A version file that is not a JSON object raises FolderError naming it."""
        target.write([version("2024-03-01T10:00:00.000Z")])
        broken = next(target.root.rglob("*.json"))
        broken.write_bytes(b"[1, 2")
        with pytest.raises(FolderError, match="not valid JSON"):
            list(iter_objects(target.root))
        broken.write_bytes(b"[1, 2]")
        with pytest.raises(FolderError, match="not a STIX object"):
            list(latest_objects(target.root))

    def test_stray_file_name_is_refused(self, target: FolderTarget) -> None:
        """latest_objects names a .json file whose name is not a version."""
        target.write([version("2024-03-01T10:00:00.000Z")])
        (target.root / "objects" / "indicator" / ID / "notes.json").write_bytes(b"{}")
        with pytest.raises(FolderError, match="not a version file"):
            list(latest_objects(target.root))


class TestAtomicWrite:
    def test_leftover_temporary_file_is_replaced(self, tmp_path: Path) -> None:
        """A half-written temporary file from a killed writer is taken over by the next write."""
        target = tmp_path / "state.json"
        temporary_name(target).write_bytes(b"half of someth")
        write_atomically(target, b'{"whole": true}', sync_directory=True)
        assert target.read_bytes() == b'{"whole": true}'
        assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


class TestPageDurability:
    """A page's files are on disk before their names, and the names before write returns."""

    def test_flush_then_renames_then_flush(
        self, target: FolderTarget, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No file of a page gets its name before the page's bytes were flushed, and write
        returns only after a flush that follows the last rename."""
        events: list[str] = []
        real_flush, real_replace = _targets.flush_file_system, os.replace

        def flush(path: Path) -> None:
            real_flush(path)
            events.append("flush")

        def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            assert Path(src).name.startswith(".")  # only temporary files are renamed
            real_replace(src, dst)
            events.append("rename")

        monkeypatch.setattr(_targets, "flush_file_system", flush)
        monkeypatch.setattr(_targets.os, "replace", replace)
        page = [version(f"2024-03-0{n}T10:00:00.000Z") for n in range(1, 4)]
        target.write(page)
        assert events == ["flush", "rename", "rename", "rename", "flush"]
        events.clear()
        target.write(page)  # nothing new: nothing to flush
        assert events == []

    def test_failed_flush_names_no_file(
        self, target: FolderTarget, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A flush that fails (a disk error) raises FolderError before any file is named;
        the next write takes the temporary files over and stores the page."""

        def broken(path: Path) -> None:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))

        monkeypatch.setattr(_targets, "flush_file_system", broken)
        page = [version("2024-03-01T10:00:00.000Z"), version("2024-03-02T10:00:00.000Z")]
        with pytest.raises(FolderError, match="Input/output error"):
            target.write(page)
        assert list(iter_objects(target.root)) == []
        monkeypatch.undo()
        assert [r.outcome for r in target.write(page)] == [AddOutcome.STORED] * 2
        assert sorted(files(target.root)) == sorted(
            f"objects/indicator/{ID}/2024-03-0{n}T10-00-00.000Z.json" for n in (1, 2)
        )

    def test_broken_file_on_disk_is_a_folder_error(self, target: FolderTarget) -> None:
        """A version file that is no longer JSON is named in a FolderError, not compared."""
        obj = version("2024-03-01T10:00:00.000Z")
        target.write([obj])
        (target.root / f"objects/indicator/{ID}/2024-03-01T10-00-00.000Z.json").write_bytes(b"{")
        with pytest.raises(FolderError, match="not valid JSON"):
            target.write([obj])

    def test_flush_file_system_reports_errors(self, tmp_path: Path) -> None:
        """The flush works on an existing folder and raises OSError for a missing one."""
        flush_file_system(tmp_path)
        with pytest.raises(FileNotFoundError):
            flush_file_system(tmp_path / "missing")
