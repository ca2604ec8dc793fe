"""``stixhub sightings summary``: the table and the JSON, on SQLite and PostgreSQL."""

import json
from pathlib import Path
from typing import Any

import pytest

from stixhub.cli._errors import EXIT_USAGE
from tests.cli._helpers import Cli, one_line_error
from tests.store._sightings import indicator, sid, sighting


def _write(folder: Path, name: str, *objects: dict[str, Any]) -> str:
    path = folder / name
    path.write_text(json.dumps({"objects": list(objects)}))
    return str(path)


LONG_PATTERN = "[url:value = 'http://" + "a" * 60 + ".example/']"
HOSTILE_NAME = "Emotet\tC2\x1b[2J [bold red]loader[/]\nnext"


@pytest.fixture
def reported(cli: Cli, collection: str, tmp_path: Path) -> Cli:
    """Indicators 1 (named) and 2 published in ``collection``; an inbox with three
    sightings."""
    inbox = cli("collection", "add", "api1", "--title", "Inbox", "--sightings-inbox")
    assert inbox.exit_code == 0, inbox.output
    intel = _write(tmp_path, "intel.json", {**indicator(1), "name": "Emotet C2"}, indicator(2))
    assert cli("load", collection, intel).exit_code == 0
    reports = _write(
        tmp_path,
        "sightings.json",
        sighting(1, of=1, by=10, count=4, first_seen="2024-05-02T00:00:00Z",
                 last_seen="2024-05-03T00:00:00Z"),
        sighting(2, of=1, by=11, first_seen="2024-05-01T00:00:00Z",
                 last_seen="2024-05-02T00:00:00Z"),
        sighting(3, of=2, by=11, count=2, first_seen="2024-04-01T00:00:00Z",
                 last_seen="2024-04-02T00:00:00Z"),
    )  # fmt: skip
    loaded = cli("load", inbox.stdout.strip(), reports)
    assert loaded.exit_code == 0, loaded.output
    return cli


class TestSummary:
    """What ``sightings summary`` prints."""

    def test_json(self, reported: Cli) -> None:
        """``--json`` prints one item per indicator with every figure, newest first."""
        result = reported("sightings", "summary", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == [
            {
                "sighting_of_ref": sid("indicator", 1),
                "organisations": 2,
                "sightings": 2,
                "count": 5,
                "first_seen": "2024-05-01T00:00:00Z",
                "last_seen": "2024-05-03T00:00:00Z",
                "name": "Emotet C2",
                "pattern": "[ipv4-addr:value = '203.0.113.1']",
            },
            {
                "sighting_of_ref": sid("indicator", 2),
                "organisations": 1,
                "sightings": 1,
                "count": 2,
                "first_seen": "2024-04-01T00:00:00Z",
                "last_seen": "2024-04-02T00:00:00Z",
                "name": None,
                "pattern": "[ipv4-addr:value = '203.0.113.2']",
            },
        ]

    def test_table(self, reported: Cli) -> None:
        """The table has a header and one unwrapped line per indicator, ending in its name,
        else its pattern."""
        result = reported("sightings", "summary")
        assert result.exit_code == 0, result.output
        lines = [line.split() for line in result.stdout.splitlines() if line.strip()]
        assert lines[0] == [
            "SIGHTING_OF_REF", "ORGANISATIONS", "SIGHTINGS", "COUNT", "FIRST_SEEN", "LAST_SEEN",
            "INDICATOR",
        ]  # fmt: skip
        rows = [line for line in lines if line[0].startswith("indicator--")]
        assert rows == [
            [sid("indicator", 1), "2", "2", "5", "2024-05-01T00:00:00Z", "2024-05-03T00:00:00Z",
             "Emotet", "C2"],
            [sid("indicator", 2), "1", "1", "2", "2024-04-01T00:00:00Z", "2024-04-02T00:00:00Z",
             "[ipv4-addr:value", "=", "'203.0.113.2']"],
        ]  # fmt: skip

    def test_titles_from_a_feed(self, cli: Cli, collection: str, tmp_path: Path) -> None:
        """A long pattern is shortened with an ellipsis (whole in --json), a name with
        control characters and rich markup is printed as plain text on its own line, and an
        indicator the hub no longer publishes shows ``-``."""
        inbox = cli("collection", "add", "api1", "--title", "Inbox", "--sightings-inbox")
        intel = _write(
            tmp_path,
            "intel.json",
            {**indicator(1), "pattern": LONG_PATTERN},
            {**indicator(2), "name": HOSTILE_NAME},
        )
        assert cli("load", collection, intel).exit_code == 0
        old = cli("collection", "add", "api1", "--title", "Old").stdout.strip()
        assert cli("load", old, _write(tmp_path, "old.json", indicator(3))).exit_code == 0
        reports = _write(
            tmp_path,
            "sightings.json",
            sighting(1, of=1, by=10, last_seen="2024-05-03T00:00:00Z"),
            sighting(2, of=2, by=10, last_seen="2024-05-02T00:00:00Z"),
            sighting(3, of=3, by=10, last_seen="2024-05-01T00:00:00Z"),
        )
        assert cli("load", inbox.stdout.strip(), reports).exit_code == 0
        # Indicator 3's only collection becomes an inbox: the hub no longer publishes it.
        flipped = cli("collection", "set", "Old", "--sightings-inbox")
        assert flipped.exit_code == 0, flipped.output
        table = cli("sightings", "summary")
        assert table.exit_code == 0, table.output
        rows = [line.strip() for line in table.stdout.splitlines() if "indicator--" in line]
        assert len(rows) == 3, table.stdout
        shortened = "[url:value = 'http://" + "a" * 18 + "\N{HORIZONTAL ELLIPSIS}"
        assert rows[0].endswith(shortened)
        assert len(shortened) == 40
        assert rows[1].endswith("Emotet C2 [2J [bold red]loader[/] next")
        assert "\x1b" not in table.stdout
        assert rows[2].endswith(" -")
        items = json.loads(cli("sightings", "summary", "--json").stdout)
        assert [(i["name"], i["pattern"]) for i in items] == [
            (None, LONG_PATTERN),
            (HOSTILE_NAME, "[ipv4-addr:value = '203.0.113.2']"),
            (None, None),
        ]

    def test_since(self, reported: Cli) -> None:
        """``--since`` keeps sightings last seen at or after it."""
        result = reported("sightings", "summary", "--since", "2024-05-02T00:00:00Z", "--json")
        assert result.exit_code == 0, result.output
        (only,) = json.loads(result.stdout)
        assert (only["sighting_of_ref"], only["organisations"], only["count"]) == (
            sid("indicator", 1), 2, 5,
        )  # fmt: skip

    def test_nothing_since(self, reported: Cli) -> None:
        """No sightings: an empty JSON list, or a note on stderr and no table."""
        args = ("sightings", "summary", "--since", "2030-01-01T00:00:00Z")
        assert json.loads(reported(*args, "--json").stdout) == []
        result = reported(*args)
        assert result.exit_code == 0
        assert result.stdout == ""
        assert "no sightings since" in result.stderr

    def test_bad_since(self, cli: Cli, api_root: str) -> None:
        """``--since`` that is not a STIX timestamp is bad usage with one error line."""
        result = cli("sightings", "summary", "--since", "last week")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)
