"""``stixhub export``: each source kind, stdout and files, summaries and one-line errors."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from suricataparser import parse_rule

from stixhub.cli.main import main
from stixhub.store import SqlStore, add_objects, make_engine
from stixhub.sync.folder import object_file
from tests.cli._helpers import CLEAN_ENV, Cli, one_line_error
from tests.export._helpers import TLP2_GREEN, indicator
from tests.interop.conftest import INTEL, PASSWORD, prepare_hub, start_server, stop_server

A = indicator("[ipv4-addr:value = '203.0.113.5' OR ipv4-addr:value = '198.51.100.0/24']", 1)
B = indicator("[domain-name:value = 'evil.example']", 2, object_marking_refs=[TLP2_GREEN])
C = indicator("[file:name = 'a' AND file:size = 3]", 3, confidence=90)
OLD = indicator("[domain-name:value = 'old.example']", 4, valid_until="2024-02-01T00:00:00Z")


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """Run ``stixhub ARGS`` in-process with a clean environment plus ``env``."""
    return CliRunner().invoke(
        main, list(args), env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False
    )


def write_bundle(path: Path, objects: list[dict[str, Any]]) -> Path:
    """A bundle file of the objects."""
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    return path


def write_folder(root: Path, objects: list[dict[str, Any]]) -> Path:
    """A synced folder in the documented layout."""
    for obj in objects:
        path = object_file(root, obj["type"], obj["id"], obj.get("modified"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj))
    return root


class TestSources:
    """Each source kind gives the same export."""

    def test_folder_to_stdout(self, tmp_path: Path) -> None:
        """A synced folder exports to stdout; the summary on stderr counts the skips."""
        folder = write_folder(tmp_path / "sync", [A, B, C, OLD])
        result = run("export", "zeek-intel", "--from", str(folder))
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0].startswith("#fields\tindicator\t")
        assert sorted(line.split("\t")[0] for line in lines[1:]) == [
            "198.51.100.0/24", "203.0.113.5", "evil.example",
        ]  # fmt: skip
        assert result.stderr == (
            "exported 2, skipped 2 (not valid now: 1; pattern needs AND between comparisons: 1)\n"
        )

    def test_database_made_by_the_cli(self, tmp_path: Path) -> None:
        """init, api-root add, collection add, load, then export from DB#alias to a CSV file."""
        cli = Cli(f"sqlite:///{tmp_path / 'hub.db'}")
        assert cli("init").exit_code == 0
        assert cli("api-root", "add", "api1", "--title", "API 1").exit_code == 0
        added = cli("collection", "add", "api1", "--title", "Intel", "--alias", "intel")
        assert added.exit_code == 0, added.output
        bundle = write_bundle(tmp_path / "in.json", [A, B, C])
        loaded = cli("load", added.stdout.strip(), str(bundle))
        assert loaded.exit_code == 0, loaded.output
        out = tmp_path / "out.csv"
        result = run(
            "export", "csv", "--from", f"{cli.db_url}#intel", "--out", str(out), "--json",
            "--max-tlp", "TLP:GREEN",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        rows = list(csv.reader(io.StringIO(out.read_text(), newline="")))
        assert [r[0] for r in rows[1:]] == ["evil.example"]
        summary = json.loads(result.stdout)
        assert summary == {
            "format": "csv",
            "exported": 1,
            "skipped": {"no TLP marking": 2},
            "files": [str(out)],
        }
        assert not list(tmp_path.glob(".out.csv.*"))  # no temporary file left

    def test_database_on_each_backend(self, cli: Cli, hub_store: SqlStore, tmp_path: Path) -> None:
        """A collection id of the parametrised database is a source; an unknown one exits 2."""
        cli("api-root", "add", "api1", "--title", "API 1")
        collection_id = cli("collection", "add", "api1", "--title", "Intel").stdout.strip()
        add_objects(hub_store, hub_store.find_collection(collection_id), [A, B])
        result = run(
            "export", "plain", "--from", f"{cli.db_url}#{collection_id}", "--type", "ipv4-addr"
        )
        assert result.exit_code == 0, result.output
        assert result.stdout == "198.51.100.0/24\n203.0.113.5\n"
        missing = run("export", "plain", "--from", f"{cli.db_url}#nope")
        assert missing.exit_code == 2
        assert "nope" in one_line_error(missing)

    def test_taxii_collection(self, tmp_path: Path) -> None:
        """A TAXII collection of a live hub, credentials from the environment; a wrong
        password exits 3 and is never printed."""
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        assert Cli(url)("init").exit_code == 0
        prepare_hub(url)
        store = SqlStore(make_engine(url))
        add_objects(store, store.find_collection(INTEL), [A, B])
        store.close()
        process, base = start_server(url, tmp_path)
        try:
            source = f"{base}/api1/collections/{INTEL}/"
            env: dict[str, str | None] = {"STIXHUB_USER": "publisher", "STIXHUB_PASSWORD": PASSWORD}
            result = run("export", "stix", "--from", source, env=env)
            assert result.exit_code == 0, result.output
            bundle = json.loads(result.stdout)
            assert {o["id"] for o in bundle["objects"]} == {A["id"], B["id"], TLP2_GREEN}
            wrong = run(
                "export", "stix", "--from", source, env={**env, "STIXHUB_PASSWORD": "bad-pw"}
            )
            assert wrong.exit_code == 3
            assert "bad-pw" not in one_line_error(wrong)
        finally:
            stop_server(process)


class TestOutputs:
    """Files and directories, atomically; multi-file formats need a directory."""

    def test_suricata_needs_a_directory(self, tmp_path: Path) -> None:
        """Without --out, suricata exits 2; with a directory, rules and lists are written."""
        source = str(write_bundle(tmp_path / "in.json", [A, B]))
        no_dir = run("export", "suricata", "--from", source)
        assert no_dir.exit_code == 2
        assert "--out DIR" in one_line_error(no_dir)
        out = tmp_path / "suricata"
        result = run("export", "suricata", "--from", source, "--out", str(out))
        assert result.exit_code == 0, result.output
        rules = [
            ln for ln in (out / "stixhub.rules").read_text().splitlines() if not ln.startswith("#")
        ]
        assert all(parse_rule(ln) is not None for ln in rules)
        assert len(list((out / "datasets").iterdir())) == 2

    def test_plain_directory(self, tmp_path: Path) -> None:
        """plain --out DIR writes one file per kind."""
        source = str(write_bundle(tmp_path / "in.json", [A, B]))
        result = run("export", "plain", "--from", source, "--out", str(tmp_path / "lists"))
        assert result.exit_code == 0, result.output
        names = sorted(p.name for p in (tmp_path / "lists").iterdir() if p.stat().st_size)
        assert names == ["domain.txt", "ipv4-net.txt", "ipv4.txt"]
        revoked = {**B, "modified": "2024-02-01T00:00:00.000Z", "revoked": True}
        source = str(write_bundle(tmp_path / "in.json", [A, B, revoked]))
        result = run("export", "plain", "--from", source, "--out", str(tmp_path / "lists"))
        assert result.exit_code == 0, result.output
        assert (tmp_path / "lists" / "domain.txt").read_text() == ""
        assert (tmp_path / "lists" / "ipv4.txt").read_text() == "203.0.113.5\n"

    def test_since_only_to_stdout(self, tmp_path: Path) -> None:
        """--since is a delta: to standard output it works, over --out it is refused (exit 2)
        and the file already there is left as it was."""
        newer = indicator("[domain-name:value = 'new.example']", 9, modified="2024-05-01T00:00:00Z")
        source = str(write_bundle(tmp_path / "in.json", [A, newer]))
        out = tmp_path / "feed.intel"
        out.write_text("old\n")
        for fmt, target in (("zeek-intel", out), ("suricata", tmp_path / "s")):
            refused = run(
                "export", fmt, "--from", source, "--since", "2024-04-01T00:00:00Z", "--out",
                str(target),
            )  # fmt: skip
            assert refused.exit_code == 2
            assert "--since" in one_line_error(refused)
        assert out.read_text() == "old\n"
        assert not (tmp_path / "s").exists()
        delta = run("export", "plain", "--from", source, "--since", "2024-04-01T00:00:00Z")
        assert delta.exit_code == 0, delta.output
        assert delta.stdout == "new.example\n"

    def test_prefix_floor_and_csv_raw(self, tmp_path: Path) -> None:
        """--min-prefix4 sets the floor (0.0.0.0/0 refused by default); --csv-raw writes
        formula-like cells exactly."""
        wide = indicator("[ipv4-addr:value = '0.0.0.0/0' OR file:name = '=cmd']", 7)
        source = str(write_bundle(tmp_path / "in.json", [wide]))
        default = run("export", "csv", "--from", source, "--json")
        assert default.exit_code == 0, default.output
        rows = list(csv.reader(io.StringIO(default.stdout, newline="")))
        assert [r[0] for r in rows[1:]] == ["'=cmd"]
        assert "network wider than /8" in default.stderr
        raw = run("export", "csv", "--from", source, "--min-prefix4", "0", "--csv-raw")
        rows = list(csv.reader(io.StringIO(raw.stdout, newline="")))
        assert [r[0] for r in rows[1:]] == ["0.0.0.0/0", "=cmd"]
        bad = run("export", "csv", "--from", source, "--min-prefix6", "129")
        assert bad.exit_code == 2

    @pytest.mark.parametrize("fmt", ["sigma", "splunk", "elastic", "stix", "csv", "zeek-intel"])
    def test_single_file_formats(self, tmp_path: Path, fmt: str) -> None:
        """Each single-file format writes its file with --out and the same bytes to stdout."""
        source = str(write_bundle(tmp_path / "in.json", [A, B]))
        out = tmp_path / "out"
        assert run("export", fmt, "--from", source, "--out", str(out)).exit_code == 0
        printed = run("export", fmt, "--from", source).stdout_bytes
        if fmt == "stix":  # a new bundle id each time
            assert json.loads(out.read_bytes())["objects"] == json.loads(printed)["objects"]
        else:
            assert out.read_bytes() == printed


class TestErrors:
    """Bad input is one error line and exit 2."""

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--max-tlp", "orange"], "no TLP level"),
            (["--since", "yesterday"], "not a STIX timestamp"),
            (["--min-confidence", "101"], "--min-confidence"),
        ],
    )
    def test_bad_options(self, tmp_path: Path, args: list[str], message: str) -> None:
        """Options that cannot be read exit 2 naming the problem."""
        source = str(write_bundle(tmp_path / "in.json", [A]))
        result = run("export", "csv", "--from", source, *args)
        assert result.exit_code == 2
        assert message in one_line_error(result)

    def test_missing_format_lists_the_formats(self) -> None:
        """Without FORMAT the one error line names every format to choose from."""
        result = run("export")
        assert result.exit_code == 2
        line = one_line_error(result)
        assert "Choose from: zeek-intel, suricata, csv, plain, sigma, splunk, elastic, stix" in line

    @pytest.mark.parametrize(
        "source",
        ["/nonexistent/folder", "https://hub.example/api1/", "sqlite:///nonexistent.db#x"],
    )
    def test_bad_sources(self, source: str) -> None:
        """A missing folder, a URL that is no collection, a missing database: exit 2."""
        result = run("export", "csv", "--from", source)
        assert result.exit_code == 2
        one_line_error(result)

    def test_broken_file(self, tmp_path: Path) -> None:
        """A file that is not STIX exits 2 with its name."""
        (tmp_path / "x.json").write_text("{")
        result = run("export", "csv", "--from", str(tmp_path / "x.json"))
        assert result.exit_code == 2
        assert "x.json" in one_line_error(result)

    def test_single_file_to_a_directory(self, tmp_path: Path) -> None:
        """A single-file format given a directory as --out exits 2."""
        source = str(write_bundle(tmp_path / "in.json", [A]))
        result = run("export", "csv", "--from", source, "--out", str(tmp_path))
        assert result.exit_code == 2
        assert "is a directory" in one_line_error(result)
