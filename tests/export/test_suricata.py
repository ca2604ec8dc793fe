"""Suricata rules and dataset files: parseable rules, stable sids, values that survive."""

import base64
import re

import pytest
from suricataparser import parse_rule

from stixhub.export import ExportOptions, Filters, export
from stixhub.export._suricata import RULES_FILE, SID_BASE, SID_SPAN, export_suricata, msg_text
from stixhub.stix.patterns._ast import quote_string
from tests.export._helpers import REPORT_TIME, indicator, report, selection_of

Rule = object


def parsed(files: dict[str, bytes]) -> list[tuple[object, str]]:
    """Every rule of the rules file parsed by suricataparser, with its text."""
    lines = [ln for ln in files[RULES_FILE].decode().splitlines() if ln and not ln.startswith("#")]
    out = []
    for line in lines:
        rule = parse_rule(line)
        assert rule is not None, line
        out.append((rule, line))
    return out


def option(rule: object, name: str) -> str:
    """The raw value of one option of a parsed rule."""
    (value,) = [o.value for o in rule.options if o.name == name]  # type: ignore[attr-defined]
    return str(value)


def loaded_files(line: str) -> list[str]:
    """The list files a rule loads."""
    return re.findall(r"load (datasets/[^,;]+)", line) + re.findall(
        r"file(?:md5|sha1|sha256):(datasets/[^;]+)", line
    )


class TestRules:
    """Rules parse, name their indicator, and load the files written next to them."""

    def test_kinds(self) -> None:
        """Domains, addresses, networks, hashes and URLs each get their rules and files."""
        ind = indicator(
            "[domain-name:value = 'Evil.Example' OR ipv4-addr:value = '203.0.113.5'"
            " OR ipv4-addr:value = '198.51.100.0/24' OR url:value = 'http://evil.example/a;b?c=\"d\"'"
            f" OR file:hashes.'SHA-256' = '{'ab' * 32}' OR file:hashes.MD5 = '{'cd' * 16}']",
            confidence=70,
        )
        out = export_suricata(selection_of(ind), ExportOptions())
        rules = parsed(out.files)
        assert out.exported == 1
        assert len(rules) == 3 + 2 + 1 + 1 + 2  # domain buffers, ip.src/dst, net, url, hashes
        for rule, line in rules:
            assert option(rule, "msg") == '"stixhub indicator 0"'
            assert SID_BASE <= int(option(rule, "sid")) < SID_BASE + SID_SPAN
            assert f"stix_id {ind['id']}" in line
            assert "confidence 70" in line
            for name in loaded_files(line):
                assert name in out.files
        text = out.files[RULES_FILE].decode()
        assert "dns.query; dataset:isset," in text
        assert "tls.sni; dataset:isset," in text
        assert "ip.dst; dataset:isset," in text
        assert "<> [198.51.100.0/24]" in text
        assert 'http.host; content:"evil.example"; startswith; endswith;' in text
        assert 'http.uri.raw; content:"/a|3B|b?c=|22|d|22|"; startswith; endswith;' in text
        domain_file = next(n for n in out.files if n.endswith("-domain.lst"))
        assert base64.b64decode(out.files[domain_file]) == b"evil.example"
        ip_file = next(n for n in out.files if n.endswith("-ip.lst"))
        assert out.files[ip_file] == b"203.0.113.5\n"

    def test_sids_are_stable_and_unique(self) -> None:
        """The same indicator keeps its sids whatever else is exported; no sid repeats."""
        alone = indicator("[domain-name:value = 'a.example']", 1)
        others = [indicator(f"[domain-name:value = 'd{n}.example']", n) for n in range(2, 60)]
        first = {
            option(r, "sid")
            for r, line in parsed(export_suricata(selection_of(alone), ExportOptions()).files)
        }
        both = parsed(export_suricata(selection_of(alone, *others), ExportOptions()).files)
        sids = [option(r, "sid") for r, _ in both]
        assert len(sids) == len(set(sids))
        assert first <= set(sids)

    @pytest.mark.parametrize("value", ['joe\'s "quoted"; name', "tab\tand\nnewline", "ü\\x"])
    def test_awkward_names_and_values(self, value: str) -> None:
        """A name or domain with quotes, semicolons, backslashes or line breaks still parses."""
        ind = indicator(f"[domain-name:value = {quote_string(value)}]", name=value)
        out = export_suricata(selection_of(ind), ExportOptions(source_label='my "feed"'))
        for rule, _ in parsed(out.files):
            assert option(rule, "msg").startswith('"my \\"feed\\" ')
        (name,) = [n for n in out.files if n.endswith(".lst")]
        assert base64.b64decode(out.files[name]).decode() == value.lower()
        assert "\n" not in msg_text(value)

    def test_other_kinds_are_counted(self) -> None:
        """File names have no Suricata keyword here; they are counted, not written."""
        out = export_suricata(selection_of(indicator("[file:name = 'x.exe']")), ExportOptions())
        assert out.exported == 0
        assert out.skipped == {"no Suricata keyword for file-name": 1}
        assert parsed(out.files) == []

    @pytest.mark.parametrize("name", ["apt1", "poisonivy"])
    def test_reports(self, name: str) -> None:
        """The OASIS example reports give rules suricataparser reads, with unique sids."""
        out = export("suricata", report(name), Filters(at=REPORT_TIME))
        rules = parsed(out.files)
        assert out.exported >= 8
        sids = [option(r, "sid") for r, _ in rules]
        assert len(sids) == len(set(sids))
        for _, line in rules:
            for file_name in loaded_files(line):
                assert file_name in out.files
