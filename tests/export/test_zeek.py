"""Zeek intel files: five TAB-separated fields, escapes that cannot break a line."""

import re

import pytest

from stixhub.export import ExportOptions, Filters, export
from stixhub.export._zeek import HEADER, export_zeek, zeek_escape
from stixhub.stix.patterns._ast import quote_string
from tests.export._helpers import REPORT_TIME, indicator, misp_objects, report, selection_of

# The types of the intel file's columns (Intel::Item in intel/main.zeek): all strings but the
# enum, none a set or vector, so the set separator "," and the "(empty)" marker (which
# apply to sets and vectors only) leave these fields as they are.
FIELD_TYPES = {
    "indicator": "string",
    "indicator_type": "enum",
    "meta.source": "string",
    "meta.desc": "string",
    "meta.url": "string",
}


def zeek_unescape(field: str) -> str | None:
    """What Zeek's ASCII formatter (``ParseValue``) makes of one string field: exactly ``-``
    (compared before unescaping) is unset (None), else ``\\xHH`` decoded byte-wise
    (``util::get_unescaped_string``); ``(empty)`` and ``,`` are kept as text."""
    if field == "-":
        return None
    raw = re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), field.encode())
    return raw.decode()


def zeek_read(data: bytes) -> list[dict[str, str | None]]:
    """The records Zeek's ASCII input reader reads from an intel file (``Ascii.cc``).

    ``GetLine``: lines are split on LF, an empty line is skipped, a final CR is dropped, a
    line starting with ``#`` is skipped unless it is ``#fields<TAB>...`` (the first is the
    header; any later one would be read as data). Fields are split on TAB as ``getline``
    does (a trailing empty field is lost); too few fields make Zeek drop the line, which
    this reader turns into a failed assertion.
    """
    names: list[str] | None = None
    records = []
    for raw_line in data.decode().split("\n"):
        if not raw_line:
            continue
        line = raw_line.removesuffix("\r")
        is_fields = line.startswith("#fields\t")
        if line.startswith("#") and not is_fields:
            continue
        if names is None:
            assert is_fields, "the first line read must be the header"
            names = line[len("#fields\t") :].split("\t")
            continue
        parts = line.split("\t")
        if parts[-1] == "":
            parts.pop()
        assert len(parts) >= len(names), f"Zeek drops a line with too few fields: {line!r}"
        records.append({n: zeek_unescape(p) for n, p in zip(names, parts, strict=False)})
    assert names == list(FIELD_TYPES)
    return records


def rows(data: bytes) -> list[list[str]]:
    """The data lines of an intel file, split on TAB, checking the header and field count."""
    text = data.decode()
    assert text.startswith(HEADER)
    lines = text[len(HEADER) :].split("\n")
    assert lines[-1] == ""
    out = [line.split("\t") for line in lines[:-1]]
    assert all(len(r) == 5 for r in out), out
    assert all(not r[0].startswith("#") for r in out), "Zeek would skip such a line"
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
         "(empty)", "a\\x41", "#comment", "#fields", "#fields\tx", "#", "-x", "--", "a,b", "ends\r",
         " #"],
    )  # fmt: skip
    def test_edge_values_survive(self, value: str) -> None:
        """Any file name reads back as itself by Zeek's reading rules, on its own line."""
        ind = indicator(f"[file:name = {quote_string(value)}]", name=f"name\t{value}\n")
        data = export_zeek(selection_of(ind), ExportOptions(source_label="a\tb")).files[
            "stixhub.intel"
        ]
        rows(data)
        (record,) = zeek_read(data)
        assert record == {
            "indicator": value,
            "indicator_type": "Intel::FILE_NAME",
            "meta.source": "a\tb",
            "meta.desc": f"{ind['id']} name\t{value}\n",
            "meta.url": None,
        }

    @pytest.mark.parametrize("value", ["#evil.example", "-evil.example", "-"])
    def test_domain_starting_with_hash_or_dash(self, value: str) -> None:
        """A domain starting with '#' would make Zeek skip the line as a comment, and '-' alone
        would be unset: both are read back as themselves among other lines."""
        objs = [indicator(f"[domain-name:value = {quote_string(value)}]", 1),
                indicator("[domain-name:value = 'ok.example']", 2)]  # fmt: skip
        data = export_zeek(selection_of(*objs), ExportOptions()).files["stixhub.intel"]
        assert sorted(r["indicator"] or "" for r in zeek_read(data)) == sorted(
            [value, "ok.example"]
        )

    def test_reader_follows_zeek(self) -> None:
        """The test's reader itself: comment lines skipped, '-' unset, escapes decoded."""
        data = (
            HEADER + "# a comment\n\n#x\tIntel::ADDR\ts\td\t-\n\\x23x\tIntel::ADDR\t(empty)\t"
            "a,b\t-\r\n"
        ).encode()
        assert zeek_read(data) == [
            {"indicator": "#x", "indicator_type": "Intel::ADDR", "meta.source": "(empty)",
             "meta.desc": "a,b", "meta.url": None},
        ]  # fmt: skip

    def test_escape_function(self) -> None:
        """The escapes are \\xHH; Zeek's unset marker and comment start are never produced."""
        assert zeek_escape("a\tb") == "a\\x09b"
        assert zeek_escape("-") == "\\x2d"
        assert zeek_escape("") == ""
        assert zeek_escape("(empty)") == "\\x28empty)"
        assert zeek_escape("#x") == "\\x23x"
        assert zeek_escape("a#") == "a#"
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
