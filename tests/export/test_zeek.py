"""Zeek intel files: five TAB-separated fields, escapes that cannot break a line."""

import re

import pytest

from stixhub.export import ExportOptions, Filters, export
from stixhub.export._zeek import HEADER, export_zeek, zeek_escape
from stixhub.stix.patterns._ast import quote_string
from tests.export._helpers import REPORT_TIME, indicator, misp_objects, report, selection_of


def zeek_unescape(field: str) -> str:
    """What Zeek's ASCII reader makes of a field: ``\\xHH`` decoded, ``(empty)`` empty."""
    if field == "(empty)":
        return ""
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), field)


def rows(data: bytes) -> list[list[str]]:
    """The data lines of an intel file, split on TAB, checking the header and field count."""
    text = data.decode()
    assert text.startswith(HEADER)
    lines = text[len(HEADER) :].split("\n")
    assert lines[-1] == ""
    out = [line.split("\t") for line in lines[:-1]]
    assert all(len(r) == 5 for r in out), out
    return out


class TestZeek:
    """Types, values and escaping of the intel file."""

    def test_address_and_subnet(self) -> None:
        """The issue's OR of an address and a network gives ADDR and SUBNET lines."""
        ind = indicator("[ipv4-addr:value = '203.0.113.5' OR ipv4-addr:value = '198.51.100.0/24']")
        out = export_zeek(selection_of(ind), ExportOptions())
        assert [(r[0], r[1]) for r in rows(out.files["stixhub.intel"])] == [
            ("203.0.113.5", "Intel::ADDR"),
            ("198.51.100.0/24", "Intel::SUBNET"),
        ]
        assert out.exported == 1

    def test_types(self) -> None:
        """Each STIX path maps to its Intel type; URLs lose their scheme; hashes are lower case."""
        md5 = "D41D8CD98F00B204E9800998ECF8427E"
        ind = indicator(
            "[domain-name:value = 'evil.example' OR url:value = 'https://evil.example/a?b=1'"
            f" OR file:hashes.'MD5' = '{md5}' OR email-addr:value = 'x@evil.example'"
            " OR ipv6-addr:value = '2001:db8::1' OR x509-certificate:hashes.'SHA-1' = "
            f"'{'a' * 40}' OR file:name = 'x.exe' OR user-account:account_login = 'bob'"
            " OR software:name = 'tool']"
        )
        got = [
            (r[0], r[1])
            for r in rows(export_zeek(selection_of(ind), ExportOptions()).files["stixhub.intel"])
        ]
        assert got == [
            ("evil.example", "Intel::DOMAIN"),
            ("evil.example/a?b=1", "Intel::URL"),
            (md5.lower(), "Intel::FILE_HASH"),
            ("x@evil.example", "Intel::EMAIL"),
            ("2001:db8::1", "Intel::ADDR"),
            ("a" * 40, "Intel::CERT_HASH"),
            ("x.exe", "Intel::FILE_NAME"),
            ("bob", "Intel::USER_NAME"),
            ("tool", "Intel::SOFTWARE"),
        ]

    @pytest.mark.parametrize(
        "value",
        ["tab\there", "new\nline", "cr\rlf", "back\\slash", "quote ' \"", "ünïcödé ☃", "-", "",
         "(empty)", "a\\x41"],
    )  # fmt: skip
    def test_edge_values_survive(self, value: str) -> None:
        """Any file name reads back as itself after Zeek's unescaping, on one line."""
        ind = indicator(f"[file:name = {quote_string(value)}]", name=f"name\t{value}\n")
        (row,) = rows(
            export_zeek(selection_of(ind), ExportOptions(source_label="a\tb")).files[
                "stixhub.intel"
            ]
        )
        assert zeek_unescape(row[0]) == value
        assert zeek_unescape(row[2]) == "a\tb"
        assert zeek_unescape(row[3]) == f"{ind['id']} name\t{value}\n"
        assert row[4] == "-"
        assert row[0] != "-"

    def test_escape_function(self) -> None:
        """The escapes are \\xHH, Zeek's null and empty markers are never produced by a value."""
        assert zeek_escape("a\tb") == "a\\x09b"
        assert zeek_escape("-") == "\\x2d"
        assert zeek_escape("") == "(empty)"
        assert zeek_escape("(empty)") == "\\x28empty)"
        assert zeek_escape("--") == "--"

    def test_not_listable_is_skipped(self) -> None:
        """A pattern needing more than a list is skipped with its reason; of an OR, the values
        a list can carry are exported and the others counted."""
        objs = [
            indicator("[file:name = 'a' AND file:size = 3]", 1),
            indicator("[url:value LIKE 'http://x/%']", 2),
            indicator("[file:size = 3 OR file:name = 'b']", 3),
            indicator("[mutex:name = 'm' OR file:name = 'c']", 5),
            indicator("[ipv4-addr:value = 'not an address']", 4),
        ]
        out = export_zeek(selection_of(*objs), ExportOptions())
        assert [r[0] for r in rows(out.files["stixhub.intel"])] == ["c"]
        assert out.skipped == {
            "pattern needs AND between comparisons": 1,
            "pattern needs operator LIKE": 1,
            "pattern needs constant that is not a string": 1,
            "ipv4-addr:value 'not an address' is not an IPv4 address or network": 1,
            "value left out: no list kind for mutex:name": 1,
        }

    @pytest.mark.parametrize("name", ["apt1", "poisonivy"])
    def test_reports(self, name: str) -> None:
        """The OASIS example reports export their simple indicators; the rest are counted."""
        objects = report(name)
        total = sum(1 for o in objects if o["type"] == "indicator")
        out = export("zeek-intel", objects, Filters(at=REPORT_TIME))
        lines = rows(out.files["stixhub.intel"])
        assert out.exported + sum(out.skipped.values()) == total
        assert out.exported >= total - 2
        assert {r[1] for r in lines} <= {
            "Intel::ADDR",
            "Intel::SUBNET",
            "Intel::DOMAIN",
            "Intel::FILE_HASH",
            "Intel::FILE_NAME",
            "Intel::URL",
        }

    def test_misp_mappings(self) -> None:
        """The misp-stix examples: every indicator is exported or skipped with a reason."""
        objects = misp_objects()
        out = export("zeek-intel", objects, Filters(at="2021-01-01T00:00:00Z"))
        rows(out.files["stixhub.intel"])
        total = len({o["id"] for o in objects if o["type"] == "indicator"})
        assert (
            out.exported
            + sum(out.skipped.values())
            - sum(n for r, n in out.skipped.items() if r.startswith("value left out"))
            == total
        )
        assert out.exported >= 1
