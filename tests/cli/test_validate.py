"""``stixhub validate``: inputs, output forms and exit codes."""

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from stixhub.cli.validate import validate
from tests.stix.validation.conftest import IDENTITY, INDICATOR

BAD = {**INDICATOR, "modified": "2024-01-01T00:00:00.000Z"}


def _write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(content))
    return path


def _run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(validate, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


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
        at = lines.index(f"  {INDICATOR['id']} (objects[1])")
        assert "objects[1].modified" in lines[at + 1]
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
        assert err.count("\n") == 1
        assert "x.json" in err

    def test_missing_path_exits_two(self, tmp_path: Path) -> None:
        """A path that does not exist gives exit 2."""
        code, _, err = _run(str(tmp_path / "nope.json"))
        assert code == 2
        assert "no such file" in err

    def test_no_arguments_is_bad_usage(self) -> None:
        """Without a path the command is misused: exit 2."""
        assert _run()[0] == 2
