"""CSV and plain lists: exact values back, one record per value, per-kind files."""

import csv
import io

import pytest

from stixhub.export import ExportOptions, Filters, export, join_plain
from stixhub.export._csv import COLUMNS, export_csv
from stixhub.export._observables import KINDS
from stixhub.export._plain import export_plain
from stixhub.stix.patterns._ast import quote_string
from tests.export._helpers import REPORT_TIME, TLP2_GREEN, indicator, report, selection_of

AWKWARD = ["comma, here", 'quote " here', "new\nline", "cr\r\nlf", "tab\t", "ünï ☃", "back\\slash"]


class TestCsv:
    """RFC 4180 CSV with the documented columns."""

    def test_columns_and_values(self) -> None:
        """One row per value; the indicator's properties fill the columns."""
        ind = indicator(
            "[ipv4-addr:value = '203.0.113.5' OR ipv4-addr:value = '198.51.100.0/24']",
            confidence=80,
            labels=["c2", "apt"],
            valid_until="2030-01-01T00:00:00Z",
            object_marking_refs=[TLP2_GREEN],
        )
        data = export_csv(selection_of(ind), ExportOptions(source_label="feed")).files[
            "stixhub.csv"
        ]
        assert data.endswith(b"\r\n")
        rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
        assert tuple(rows[0]) == COLUMNS
        assert rows[1] == [
            "203.0.113.5", "ipv4", ind["id"], "indicator 0", "80", "2024-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z", "c2|apt", "green", "feed",
        ]  # fmt: skip
        assert rows[2][:2] == ["198.51.100.0/24", "ipv4-net"]

    @pytest.mark.parametrize("value", AWKWARD)
    def test_awkward_values_read_back(self, value: str) -> None:
        """An RFC 4180 reader gets every value back exactly, as one record."""
        ind = indicator(f"[file:name = {quote_string(value)}]", name=value)
        data = export_csv(selection_of(ind), ExportOptions()).files["stixhub.csv"].decode()
        rows = list(csv.reader(io.StringIO(data, newline="")))
        assert len(rows) == 2
        assert rows[1][0] == value
        assert rows[1][3] == value


class TestCsvFormulas:
    """Cells a spreadsheet would run as formulas get a leading quote unless turned off."""

    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_formula_cells_are_defused(self, start: str) -> None:
        """A value and a name starting with a formula character are read back quoted."""
        text = f'{start}HYPERLINK("http://x.example")'
        ind = indicator(f"[file:name = {quote_string(text)}]", name=text, labels=[text])
        out = export_csv(selection_of(ind), ExportOptions(source_label="@feed"))
        (row,) = list(csv.reader(io.StringIO(out.files["stixhub.csv"].decode(), newline="")))[1:]
        assert row[0] == row[3] == row[7] == "'" + text
        assert row[9] == "'@feed"
        assert row[1] == "file-name"  # other cells are untouched

    def test_guard_off_keeps_exact_values(self) -> None:
        """For machine consumers the guard can be turned off: values come back exactly."""
        ind = indicator("[file:name = '=1+2']", name="-x")
        out = export_csv(selection_of(ind), ExportOptions(csv_formula_guard=False))
        (row,) = list(csv.reader(io.StringIO(out.files["stixhub.csv"].decode(), newline="")))[1:]
        assert (row[0], row[3]) == ("=1+2", "-x")

    def test_plain_values_unchanged(self) -> None:
        """A value with a formula character later in it is not changed."""
        ind = indicator("[domain-name:value = 'a-b.example']", name="x=y")
        out = export_csv(selection_of(ind), ExportOptions())
        (row,) = list(csv.reader(io.StringIO(out.files["stixhub.csv"].decode(), newline="")))[1:]
        assert (row[0], row[3]) == ("a-b.example", "x=y")


class TestPlain:
    """One value per line, one file per kind."""

    def test_files_per_kind(self) -> None:
        """Values are sorted and unique in each kind's file; join gives all of them."""
        objs = [
            indicator("[ipv4-addr:value = '203.0.113.5' OR domain-name:value = 'b.example']", 1),
            indicator("[ipv4-addr:value = '203.0.113.5' OR domain-name:value = 'a.example']", 2),
            indicator("[url:value = 'https://x.example/ü']", 3),
        ]
        out = export_plain(selection_of(*objs), ExportOptions())
        assert {name: data for name, data in out.files.items() if data} == {
            "domain.txt": b"a.example\nb.example\n",
            "ipv4.txt": b"203.0.113.5\n",
            "url.txt": "https://x.example/ü\n".encode(),
        }
        assert set(out.files) == {f"{kind}.txt" for kind in KINDS}
        assert out.exported == 3
        assert join_plain(out).count(b"\n") == 4

    @pytest.mark.parametrize("value", ["new\nline", "cr\r", "tab\t", "nul\x00", "ls\u2028"])
    def test_line_breaks_are_refused(self, value: str) -> None:
        """A value a line-based list cannot carry is counted and left out, never split."""
        ind = indicator(
            f"[domain-name:value = {quote_string(value)} OR domain-name:value = 'ok.example']"
        )
        out = export_plain(selection_of(ind), ExportOptions())
        assert out.files["domain.txt"] == b"ok.example\n"
        assert sum(out.skipped.values()) == 1

    @pytest.mark.parametrize("fmt", ["csv", "plain"])
    @pytest.mark.parametrize("name", ["apt1", "poisonivy"])
    def test_reports(self, fmt: str, name: str) -> None:
        """The OASIS example reports: every listable indicator exported."""
        objects = report(name)
        total = sum(1 for o in objects if o["type"] == "indicator")
        out = export(fmt, objects, Filters(at=REPORT_TIME))
        assert out.exported + sum(out.skipped.values()) == total
        assert out.exported >= total - 2

    def test_type_filter_limits_values(self) -> None:
        """--type keeps only that observable type's values of a mixed OR."""
        ind = indicator("[ipv4-addr:value = '203.0.113.5' OR domain-name:value = 'a.example']")
        out = export_plain(selection_of(ind, types=("domain-name",)), ExportOptions())
        assert out.files == {"domain.txt": b"a.example\n"}
        out = export_plain(selection_of(ind, types=("ipv4-addr",)), ExportOptions())
        assert out.files == {"ipv4.txt": b"203.0.113.5\n", "ipv4-net.txt": b""}
