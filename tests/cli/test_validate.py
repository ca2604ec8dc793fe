"""``stixhub validate``: inputs, output forms and exit codes."""

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from stixhub.cli.main import main
from tests.cli._helpers import CLEAN_ENV
from tests.stix.validation.conftest import IDENTITY, INDICATOR

BAD = {**INDICATOR, "modified": "2024-01-01T00:00:00.000Z"}
BUNDLE_ID = "bundle--44af6c39-c09b-49c5-9de2-394224b04982"


def _write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(content))
    return path


def _run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run ``stixhub validate ARGS`` through the top-level group, as a user does."""
    result = CliRunner().invoke(main, ["validate", *args], input=stdin, env=CLEAN_ENV)
    return result.exit_code, result.stdout, result.stderr


def _one_error(err: str) -> str:
    """The single ``error: ...`` line on stderr."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def _lines(*docs: object) -> bytes:
    return b"".join(orjson.dumps(d) + b"\n" for d in docs)


class TestValidateCommand:
    def test_valid_file_exits_zero(self, tmp_path: Path) -> None:
        """A valid single object gives exit 0 and says valid."""
        code, out, _ = _run(str(_write(tmp_path, "a.json", INDICATOR)))
        assert code == 0
        assert "valid" in out

    def test_invalid_bundle_exits_one_and_groups_findings(self, tmp_path: Path) -> None:
        """An invalid bundle gives exit 1 and lists the finding under its object's id."""
        bundle = {
            "type": "bundle",
            "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
            "objects": [IDENTITY, BAD],
        }
        code, out, _ = _run(str(_write(tmp_path, "b.json", bundle)))
        assert code == 1
        lines = out.splitlines()
        at = lines.index(f"  {INDICATOR['id']} ($.objects[1])")
        assert "$.objects[1].modified" in lines[at + 1]
        assert "is earlier than created" in lines[at + 1]

    def test_json_report_shape(self, tmp_path: Path) -> None:
        """--json writes one report with valid and per-object findings."""
        code, out, _ = _run("--json", str(_write(tmp_path, "a.json", BAD)))
        report = json.loads(out)
        assert code == 1
        assert report["valid"] is False
        (entry,) = report["objects"]
        assert entry["id"] == INDICATOR["id"]
        assert entry["type"] == "indicator"
        assert set(entry["findings"][0]) == {"code", "severity", "path", "message"}

    def test_stdin_and_json_lines(self) -> None:
        """'-' reads JSON lines from stdin."""
        data = orjson.dumps(IDENTITY) + b"\n" + orjson.dumps(INDICATOR) + b"\n"
        code, out, _ = _run("--json", "-", stdin=data)
        assert code == 0
        assert [o["type"] for o in json.loads(out)["objects"]] == ["identity", "indicator"]

    def test_a_list_of_objects_is_accepted(self, tmp_path: Path) -> None:
        """A top-level JSON array of objects (as stix2-validator's suite has) is validated."""
        code, out, _ = _run(str(_write(tmp_path, "list.json", [IDENTITY, INDICATOR])))
        assert code == 0, out
        code, out, _ = _run(str(_write(tmp_path, "bad.json", [IDENTITY, BAD])), "--json")
        assert code == 1
        (entry,) = [o for o in orjson.loads(out)["objects"] if o["findings"]]
        assert entry["findings"][0]["path"].startswith("$[1]")

    def test_envelope_is_accepted(self, tmp_path: Path) -> None:
        """A TAXII envelope is validated object by object."""
        code, _, _ = _run(str(_write(tmp_path, "e.json", {"more": False, "objects": [INDICATOR]})))
        assert code == 0

    def test_folder_and_recursive(self, tmp_path: Path) -> None:
        """A folder validates its .json files; --recursive reaches sub-folders."""
        (tmp_path / "sub").mkdir()
        _write(tmp_path, "a.json", INDICATOR)
        _write(tmp_path / "sub", "b.json", BAD)
        assert _run(str(tmp_path))[0] == 0
        assert _run("--recursive", str(tmp_path))[0] == 1

    def test_strict_refuses_custom_properties(self, tmp_path: Path) -> None:
        """A custom property is fine by default and refused with --strict."""
        path = _write(tmp_path, "c.json", {**INDICATOR, "x_foo": 1})
        assert _run(str(path))[0] == 0
        assert _run("--strict", str(path))[0] == 1

    @pytest.mark.parametrize("content", [b"{not json", b""])
    def test_unreadable_input_exits_two(self, tmp_path: Path, content: bytes) -> None:
        """Input that is not JSON gives exit 2 and a one-line reason on stderr."""
        path = tmp_path / "x.json"
        path.write_bytes(content)
        code, _, err = _run(str(path))
        assert code == 2
        assert "x.json" in _one_error(err)

    def test_missing_path_exits_two(self, tmp_path: Path) -> None:
        """A path that does not exist gives exit 2."""
        code, _, err = _run(str(tmp_path / "nope.json"))
        assert code == 2
        assert "no such file" in _one_error(err)

    def test_no_arguments_is_bad_usage(self) -> None:
        """Without a path the command is misused: exit 2."""
        assert _run()[0] == 2

    @pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
    def test_json_lines_of_bundles_and_envelopes(self, tmp_path: Path, suffix: str) -> None:
        """A JSON lines file whose lines are a bundle, an envelope and an object is read
        like load reads it, every object validated, paths $[i] across the lines, and the
        bundle line has its own entry (with its line) before its objects."""
        path = tmp_path / f"feed{suffix}"
        path.write_bytes(
            _lines(
                {"type": "bundle", "id": BUNDLE_ID, "objects": [IDENTITY]},
                {"more": False, "objects": [BAD]},
                INDICATOR | {"id": "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2"},
            )
        )
        code, out, _ = _run("--json", str(path))
        report = json.loads(out)
        assert code == 1
        types = ["bundle", "identity", "indicator", "indicator"]
        assert [o["type"] for o in report["objects"]] == types
        assert report["objects"][0] == {
            "id": BUNDLE_ID,
            "type": "bundle",
            "line": 1,
            "findings": [],
            "source": str(path),
        }
        assert [f["path"] for f in report["objects"][2]["findings"]] == ["$[1].modified"]

    def test_json_lines_bundle_properties_are_checked(self, tmp_path: Path) -> None:
        """Each bundle line of JSON lines has its own properties checked like a whole-file
        bundle (STIX 2.1 section 8): a bad id, spec_version and empty objects are reported
        under that bundle with its line."""
        path = tmp_path / "feed.jsonl"
        path.write_bytes(
            _lines(
                {"type": "bundle", "id": BUNDLE_ID, "objects": [IDENTITY]},
                {"type": "bundle", "id": "bundle--1", "spec_version": "2.1", "objects": []},
            )
        )
        code, out, _ = _run(str(path))
        assert code == 1
        lines = out.splitlines()
        at = lines.index("  bundle--1 (line 2)")
        found = {line.split()[1] for line in lines[at + 1 : at + 4]}
        assert found == {"id", "bundle-property", "empty-list"}

    def test_folder_finds_json_lines_files(self, tmp_path: Path) -> None:
        """A folder's .jsonl and .ndjson files are validated like its .json files."""
        (tmp_path / "a.ndjson").write_bytes(_lines(IDENTITY, BAD))
        code, out, _ = _run(str(tmp_path))
        assert code == 1
        assert "a.ndjson: INVALID" in out

    def test_broken_line_names_its_number(self, tmp_path: Path) -> None:
        """A JSON lines file with a broken line gives exit 2 naming the file and line."""
        path = tmp_path / "f.jsonl"
        path.write_bytes(_lines(IDENTITY) + b"{broken\n")
        code, _, err = _run(str(path))
        assert code == 2
        assert "f.jsonl: line 2" in _one_error(err)

    def test_json_that_is_no_document_exits_two(self, tmp_path: Path) -> None:
        """An object without type or objects, or a list of non-objects, is unreadable input."""
        for content in ({"id": INDICATOR["id"]}, [1, 2], "text"):
            code, _, err = _run(str(_write(tmp_path, "n.json", content)))
            assert code == 2
            assert "n.json" in _one_error(err)

    @pytest.mark.parametrize("recursive", [False, True])
    def test_empty_folder_exits_two(self, tmp_path: Path, recursive: bool) -> None:
        """A folder without STIX files gives exit 2 and one line naming it."""
        (tmp_path / "notes.txt").write_text("nothing here")
        args = ["--recursive"] if recursive else []
        code, out, err = _run(*args, str(tmp_path))
        assert code == 2
        assert out == ""
        assert _one_error(err).startswith(f"error: no STIX files found in {tmp_path}")

    def test_stdin_twice_is_bad_usage(self) -> None:
        """'- -' is a usage error: stdin can be read only once."""
        code, _, err = _run("-", "-", stdin=orjson.dumps(INDICATOR))
        assert code == 2
        assert "stdin" in _one_error(err)

    def test_file_and_stdin_together(self, tmp_path: Path) -> None:
        """A file and '-' are validated in order, each report naming its source."""
        path = _write(tmp_path, "a.json", IDENTITY)
        code, out, _ = _run(str(path), "-", stdin=orjson.dumps(BAD))
        assert code == 1
        assert out.splitlines()[0] == f"{path}: valid"
        assert "<stdin>: INVALID" in out

    def test_json_report_names_each_objects_source(self, tmp_path: Path) -> None:
        """With several files, --json gives every object its source file."""
        a = _write(tmp_path, "a.json", {"type": "bundle", "id": BUNDLE_ID, "objects": [IDENTITY]})
        b = _write(tmp_path, "b.json", BAD)
        code, out, _ = _run("--json", str(a), str(b))
        report = json.loads(out)
        assert code == 1
        assert report["valid"] is False
        assert [(o["type"], o["source"]) for o in report["objects"]] == [
            ("bundle", str(a)),
            ("identity", str(a)),
            ("indicator", str(b)),
        ]

    @pytest.mark.parametrize("as_json", [False, True])
    def test_failure_midway_prints_no_report(self, tmp_path: Path, as_json: bool) -> None:
        """A broken second file stops the run with exit 2 before any report is printed."""
        good = _write(tmp_path, "a.json", INDICATOR)
        broken = tmp_path / "b.json"
        broken.write_bytes(b"{not json")
        later = _write(tmp_path, "c.json", BAD)
        args = ["--json"] if as_json else []
        code, out, err = _run(*args, str(good), str(broken), str(later))
        assert code == 2
        assert out == ""
        assert "b.json" in _one_error(err)

    def test_finding_paths_are_json_paths(self, tmp_path: Path) -> None:
        """Paths start at $ and quote keys that are not identifiers."""
        sco = {
            "type": "file",
            "spec_version": "2.1",
            "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "hashes": {"SHA-256": "not hex"},
        }
        bundle = {"type": "bundle", "id": BUNDLE_ID, "objects": [sco]}
        code, out, _ = _run("--json", str(_write(tmp_path, "f.json", bundle)))
        paths = [f["path"] for o in json.loads(out)["objects"] for f in o["findings"]]
        assert code == 1
        assert "$.objects[0].hashes['SHA-256']" in paths
        assert all(p.startswith("$") for p in paths)
