"""Tests of the ``stixhub pattern`` command group."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from stixhub.cli.main import main
from stixhub.cli.pattern import pattern
from tests.cli._helpers import CLEAN_ENV, one_line_error

OBSERVED = {
    "type": "observed-data",
    "id": "observed-data--1",
    "first_observed": "2024-01-01T00:00:00Z",
    "last_observed": "2024-01-01T00:00:00Z",
    "number_observed": 1,
    "objects": {"0": {"type": "url", "value": "http://x"}},
}
TRAFFIC = "network-traffic--0f6e9a8c-4f2a-5b1e-9d62-1b2f0f4c3a11"
ADDRESS = "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
BUNDLE_21 = {
    "type": "bundle",
    "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
    "objects": [
        {
            "type": "observed-data",
            "spec_version": "2.1",
            "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
            "first_observed": "2024-01-01T00:00:00Z",
            "last_observed": "2024-01-01T00:00:00Z",
            "number_observed": 1,
            "object_refs": [TRAFFIC, ADDRESS],
        },
        {"type": "network-traffic", "id": TRAFFIC, "dst_ref": ADDRESS, "protocols": ["tcp"]},
        {"type": "ipv4-addr", "id": ADDRESS, "value": "198.51.100.3"},
    ],
}


def _file(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "observed.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _stixhub(*args: str) -> Result:
    """Run ``stixhub pattern ARGS`` through the top-level group, as a user does."""
    return CliRunner().invoke(main, ["pattern", *args], env=CLEAN_ENV)


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

    def test_stix_version_selects_the_grammar(self) -> None:
        """START/STOP with plain strings is valid with --stix-version 2.0 only."""
        text = "[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'"
        assert _stixhub("check", "--stix-version", "2.0", text).exit_code == 0
        assert _stixhub("check", text).exit_code == 1


class TestPatternMatch:
    def test_match_prints_bound_objects(self, tmp_path: Path) -> None:
        """A matching file prints 'match' and the bound object, exit 0; no match exits 1."""
        file = _file(tmp_path, OBSERVED)
        hit = _stixhub("match", "[url:value = 'http://x']", str(file))
        assert hit.exit_code == 0
        assert "observed-data--1 object 0" in hit.stdout
        miss = _stixhub("match", "[url:value = 'http://yy']", str(file))
        assert miss.exit_code == 1
        assert miss.stdout == "no match\n"

    def test_bundle_21_with_references(self, tmp_path: Path) -> None:
        """A 2.1 bundle whose observed-data names its SCOs by object_refs matches through a
        reference (dst_ref.value) and names the bound network-traffic object."""
        file = _file(tmp_path, BUNDLE_21)
        text = (
            "[network-traffic:dst_ref.value = '198.51.100.3'"
            " AND network-traffic:protocols[*] = 'tcp']"
        )
        result = _stixhub("match", text, str(file))
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            "match",
            f"  observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf object {TRAFFIC}",
        ]
        other = _stixhub("match", "[network-traffic:dst_ref.value = '198.51.100.4']", str(file))
        assert other.exit_code == 1

    def test_unparsable_pattern_shows_the_caret_and_exits_two(self, tmp_path: Path) -> None:
        """A pattern that does not parse is shown with a caret, as check shows it, exit 2."""
        file = _file(tmp_path, OBSERVED)
        text = "[url:value = 'x'"
        result = _stixhub("match", text, str(file))
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert lines[0] == text
        assert lines[1].endswith("^")
        assert lines[2].startswith("error: column ")
        assert "no match" not in result.stdout

    def test_invalid_pattern_is_exit_two_with_its_errors_not_no_match(self, tmp_path: Path) -> None:
        """A pattern that parses but is invalid (a short MD5) gives its error, exit 2, and is
        never matched."""
        file = _file(tmp_path, OBSERVED)
        text = "[file:hashes.MD5 = 'abc']"
        result = _stixhub("match", text, str(file))
        assert result.exit_code == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[1] == " " * text.index("'abc'") + "^"
        column = text.index("'abc'") + 1
        assert lines[2] == f"error: column {column}: MD5 value must be 32 hex digits"

    def test_warnings_only_pattern_is_matched(self, tmp_path: Path) -> None:
        """A pattern with only warnings (a custom type) is shown on stderr and matched."""
        observed = {**OBSERVED, "objects": {"0": {"type": "x-acme-beacon", "name": "b1"}}}
        file = _file(tmp_path, observed)
        text = "[x-acme-beacon:name = 'b1']"
        result = _stixhub("match", text, str(file))
        assert result.exit_code == 0
        assert result.stdout.splitlines()[0] == "match"
        assert "warning: column 2: custom object type 'x-acme-beacon'" in result.stderr

    @pytest.mark.parametrize("content", ["{not json", "", "[1, 2"])
    def test_bad_json_is_exit_two_with_one_error_line(self, tmp_path: Path, content: str) -> None:
        """A file that is not JSON gives exit 2 and a single 'error: FILE: ...' line."""
        file = _file(tmp_path, content)
        result = _stixhub("match", "[url:value = 'x']", str(file))
        assert result.exit_code == 2
        assert one_line_error(result).startswith(f"error: {file}: ")
        assert result.stdout == ""

    def test_malformed_observed_data_is_exit_two(self, tmp_path: Path) -> None:
        """Observed-data the pattern cannot be evaluated on (no timestamps) is bad input."""
        observed = {k: v for k, v in OBSERVED.items() if k != "first_observed"}
        result = _stixhub("match", "[url:value = 'http://x']", str(_file(tmp_path, observed)))
        assert result.exit_code == 2
        assert "first_observed" in one_line_error(result)

    def test_stix_version_20_matches_string_start_stop(self, tmp_path: Path) -> None:
        """--stix-version 2.0 matches a START/STOP with plain strings; 2.1 refuses it."""
        file = _file(tmp_path, OBSERVED)
        text = "[url:value = 'http://x'] START '2023-12-01T00:00:00Z' STOP '2024-02-01T00:00:00Z'"
        assert _stixhub("match", "--stix-version", "2.0", text, str(file)).exit_code == 0
        assert _stixhub("match", text, str(file)).exit_code == 2

    def test_regex_beyond_the_engine_is_a_warning_then_exit_two(self, tmp_path: Path) -> None:
        """A back-reference is a warning of the check and, once a value must be tested against
        it, exit 2 with one error line saying stixhub cannot evaluate it (not 'no match')."""
        observed = {**OBSERVED, "objects": {"0": {"type": "file", "name": "aab"}}}
        result = _stixhub("match", r"[file:name MATCHES '(a)\\1']", str(_file(tmp_path, observed)))
        assert result.exit_code == 2
        assert result.stdout == ""
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1
        assert "cannot evaluate" in errors[0]
        assert "warning: column 20: " in result.stderr
