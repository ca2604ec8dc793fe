"""Tests of the ``stixhub pattern`` command group."""

import json
from pathlib import Path

from click.testing import CliRunner

from stixhub.cli.pattern import pattern


class TestPatternCheck:
    def test_valid_pattern_exits_zero(self) -> None:
        """A valid pattern prints 'valid' and exits 0."""
        result = CliRunner().invoke(pattern, ["check", "[file:name = 'a']"])
        assert result.exit_code == 0
        assert "valid" in result.output

    def test_invalid_pattern_shows_caret_and_exits_one(self) -> None:
        """An invalid pattern prints a caret under the bad column and exits 1."""
        text = "[file:hashes.MD5 = 'abc']"
        result = CliRunner().invoke(pattern, ["check", text])
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert lines[1] == " " * text.index("'abc'") + "^"
        assert "MD5 value must be 32 hex digits" in lines[2]

    def test_missing_argument_exits_two(self) -> None:
        """Calling check without a pattern is a usage error (exit 2)."""
        assert CliRunner().invoke(pattern, ["check"]).exit_code == 2


class TestPatternMatch:
    def test_match_prints_bound_objects(self, tmp_path: Path) -> None:
        """A matching file prints 'match' and the bound object, exit 0; no match exits 1."""
        observed = {
            "type": "observed-data",
            "id": "observed-data--1",
            "first_observed": "2024-01-01T00:00:00Z",
            "last_observed": "2024-01-01T00:00:00Z",
            "number_observed": 1,
            "objects": {"0": {"type": "url", "value": "http://x"}},
        }
        file = tmp_path / "observed.json"
        file.write_text(json.dumps(observed))
        hit = CliRunner().invoke(pattern, ["match", "[url:value = 'http://x']", str(file)])
        assert hit.exit_code == 0
        assert "observed-data--1 object 0" in hit.output
        miss = CliRunner().invoke(pattern, ["match", "[url:value = 'y']", str(file)])
        assert miss.exit_code == 1

    def test_invalid_pattern_is_a_usage_error(self, tmp_path: Path) -> None:
        """A pattern that does not parse makes match exit 2."""
        file = tmp_path / "observed.json"
        file.write_text("[]")
        assert CliRunner().invoke(pattern, ["match", "[bad", str(file)]).exit_code == 2
