"""Sources named by one string: folder, file, database collection, TAXII collection."""

import json
from pathlib import Path
from typing import Any

import pytest

from stixhub.sources import (
    BadSource,
    Credentials,
    SourceAuthFailed,
    SourceNotFound,
    read_source,
    source_kind,
)
from stixhub.store import SqlStore, add_objects, make_engine
from stixhub.sync.folder import object_file
from tests.export._helpers import indicator
from tests.interop.conftest import INTEL, PASSWORD, prepare_hub, start_server, stop_server

A = indicator("[ipv4-addr:value = '203.0.113.5']", 1)
A2 = {**A, "modified": "2024-02-01T00:00:00.000Z", "name": "newer"}
B = indicator("[domain-name:value = 'x.example']", 2)


def write_folder(root: Path, objects: list[dict[str, Any]]) -> None:
    """A synced folder written by hand in the documented layout."""
    for obj in objects:
        path = object_file(root, obj["type"], obj["id"], obj.get("modified"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj))


class TestKinds:
    """The string decides the kind; nonsense is a typed error."""

    def test_kinds(self, tmp_path: Path) -> None:
        """Each form of string is recognised."""
        (tmp_path / "f.json").write_text("{}")
        assert source_kind("https://hub.example/api1/collections/abc/") == "taxii"
        assert source_kind("http://hub.example/api1/collections/abc") == "taxii"
        assert source_kind("sqlite:///x.db#intel") == "database"
        assert source_kind("postgresql+psycopg://u@h/db#intel") == "database"
        assert source_kind(str(tmp_path)) == "folder"
        assert source_kind(str(tmp_path / "f.json")) == "file"

    @pytest.mark.parametrize("spec", ["https://hub.example/api1/", "http://x/collections/"])
    def test_bad_urls(self, spec: str) -> None:
        """An http(s) URL that is no collection URL is refused."""
        with pytest.raises(BadSource, match="no TAXII collection URL"):
            read_source(spec)

    def test_missing(self, tmp_path: Path) -> None:
        """A path that does not exist is SourceNotFound."""
        with pytest.raises(SourceNotFound, match="no existing folder or file"):
            read_source(str(tmp_path / "nope"))


class TestFolderAndFile:
    """Synced folders give latest versions; files give what they hold."""

    def test_folder(self, tmp_path: Path) -> None:
        """The newest version of each id is read from the folder layout."""
        write_folder(tmp_path, [A, A2, B])
        got = {o["id"]: o for o in read_source(str(tmp_path))}
        assert got == {A["id"]: A2, B["id"]: B}

    def test_broken_folder(self, tmp_path: Path) -> None:
        """A version file that is not JSON is a BadSource naming it."""
        write_folder(tmp_path, [A])
        next(tmp_path.rglob("*.json")).write_text("{not json")
        with pytest.raises(BadSource):
            read_source(str(tmp_path))

    @pytest.mark.parametrize("shape", ["bundle", "envelope", "jsonl", "object"])
    def test_file_shapes(self, tmp_path: Path, shape: str) -> None:
        """Bundles, envelopes, JSON lines and single objects are read."""
        path = tmp_path / "in.json"
        if shape == "bundle":
            path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [A, B]}))
        elif shape == "envelope":
            path.write_text(json.dumps({"objects": [A, B]}))
        elif shape == "jsonl":
            path.write_text(json.dumps(A) + "\n" + json.dumps(B) + "\n")
        else:
            path.write_text(json.dumps(A))
        expected = [A] if shape == "object" else [A, B]
        assert read_source(str(path)) == expected

    def test_broken_file(self, tmp_path: Path) -> None:
        """A file that is no STIX document is BadSource with the file's name."""
        path = tmp_path / "bad.json"
        path.write_text("[1, 2")
        with pytest.raises(BadSource, match=r"bad\.json"):
            read_source(str(path))


@pytest.fixture
def filled(db_url: str) -> tuple[str, str]:
    """A database with collection ``intel`` (alias) holding two versions of A and B."""
    store = SqlStore(make_engine(db_url))
    store.create_api_root("api1", "API 1")
    collection = store.create_collection("api1", "Intel", alias="intel")
    add_objects(store, collection, [A, B])
    add_objects(store, collection, [A2])
    store.close()
    return db_url, collection.id


class TestDatabase:
    """A collection of a stixhub database, named as the admin commands name it."""

    @pytest.mark.parametrize("by", ["alias", "id", "title", "root/alias"])
    def test_collection(self, filled: tuple[str, str], by: str) -> None:
        """The latest versions of the collection's objects are read."""
        url, collection_id = filled
        keys = {"alias": "intel", "id": collection_id, "title": "Intel", "root/alias": "api1/intel"}
        key = keys[by]
        got = {o["id"]: o for o in read_source(f"{url}#{key}")}
        assert got == {A["id"]: A2, B["id"]: B}

    def test_unknown_collection(self, filled: tuple[str, str]) -> None:
        """An unknown collection is SourceNotFound."""
        with pytest.raises(SourceNotFound, match="nope"):
            read_source(f"{filled[0]}#nope")

    def test_missing_collection_part(self, filled: tuple[str, str]) -> None:
        """A database URL without #COLLECTION is BadSource."""
        with pytest.raises(BadSource, match="URL#COLLECTION"):
            read_source(filled[0])

    def test_missing_database(self, tmp_path: Path) -> None:
        """A SQLite file that does not exist is SourceNotFound, and is not created."""
        with pytest.raises(SourceNotFound):
            read_source(f"sqlite:///{tmp_path / 'none.db'}#intel")
        assert not (tmp_path / "none.db").exists()


def test_taxii_collection(tmp_path: Path) -> None:
    """A TAXII collection served by stixhub over a real socket is read with credentials;
    wrong credentials and an unknown collection are typed errors."""
    db = tmp_path / "hub.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    from stixhub.store import migrate  # noqa: PLC0415  only this test needs a fresh file

    migrate(engine)
    engine.dispose()
    prepare_hub(url)
    store = SqlStore(make_engine(url))
    add_objects(store, store.find_collection(INTEL), [A, B, A2])
    store.close()
    process, base = start_server(url, tmp_path)
    try:
        source = f"{base}/api1/collections/{INTEL}/"
        got = {o["id"]: o for o in read_source(source, Credentials("publisher", PASSWORD))}
        assert got == {A["id"]: A2, B["id"]: B}
        with pytest.raises(SourceAuthFailed):
            read_source(source, Credentials("publisher", "wrong"))
        with pytest.raises(SourceNotFound):
            read_source(
                f"{base}/api1/collections/00000000-0000-4000-8000-000000000000/",
                Credentials("publisher", PASSWORD),
            )
    finally:
        stop_server(process)
