"""Defects found in review: networks too wide, stale lists, file modes, TLP definitions a
feed rewrote, Suricata URLs with a port."""

import os
import stat
from pathlib import Path

import orjson
import pytest
from suricataparser import parse_rule

from stixhub.export import ExportOptions, Filters, export, write_atomic, write_tree
from stixhub.export._suricata import RULES_FILE
from stixhub.export._zeek import export_zeek
from stixhub.stix.markings import tlp_marking, tlp_marking_id
from tests.export._helpers import NOW, indicator, selection_of

TLP1_RED = tlp_marking_id("red", "1.0")
TLP2_RED = tlp_marking_id("red", "2.0")


def zeek_values(*objects: dict[str, object], **filters: object) -> list[str]:
    """The indicator column of the Zeek export of these objects."""
    data = export_zeek(selection_of(*objects, **filters), ExportOptions()).files["stixhub.intel"]
    return [line.split("\t")[0] for line in data.decode().splitlines()[1:]]


class TestNetworks:
    """A CIDR wider than the floor, or with host bits set, is counted and never exported."""

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("0.0.0.0/0", "network wider than /8 (IPv4)"),
            ("10.0.0.0/7", "network wider than /8 (IPv4)"),
            ("10.1.2.3/0", "network wider than /8 (IPv4)"),
            ("10.1.2.3/24", "network with host bits set"),
        ],
    )
    def test_ipv4_refused(self, value: str, reason: str) -> None:
        """The reviewer's 0.0.0.0/0 and 10.1.2.3/0, and a network with host bits, in every
        list format, Suricata and the Sigma formats: nothing written, the reason counted."""
        ind = indicator(f"[ipv4-addr:value = '{value}']")
        for fmt in ("zeek-intel", "plain", "csv", "suricata", "sigma", "splunk", "elastic"):
            out = export(fmt, [ind], Filters(at=NOW))
            assert out.exported == 0, fmt
            assert out.skipped == {f"ipv4-addr:value '{value}': {reason}": 1}, fmt
            assert value.encode() not in b"".join(out.files.values()), fmt
            assert b"0.0.0.0/0" not in b"".join(out.files.values()), fmt

    def test_ipv6_floor(self) -> None:
        """IPv6: /32 passes by default, /31 and ::/0 do not; ISSUBSET is judged the same."""
        objs = [
            indicator("[ipv6-addr:value = '2001:db8::/32']", 1),
            indicator("[ipv6-addr:value = '2001:db8::/31']", 2),
            indicator("[ipv6-addr:value ISSUBSET '::/0']", 3),
        ]
        assert zeek_values(*objs) == ["2001:db8::/32"]

    def test_floor_is_configurable(self) -> None:
        """The floor is a filter: a narrower one refuses more, 0 allows everything."""
        ind = indicator("[ipv4-addr:value = '10.0.0.0/8' OR ipv4-addr:value = '192.0.2.0/24']")
        assert zeek_values(ind) == ["10.0.0.0/8", "192.0.2.0/24"]
        assert zeek_values(ind, min_prefix4=16) == ["192.0.2.0/24"]
        assert zeek_values(indicator("[ipv4-addr:value = '0.0.0.0/0']"), min_prefix4=0) == [
            "0.0.0.0/0"
        ]

    def test_part_of_an_or_is_left_out(self) -> None:
        """Of an OR, the wide network is left out and counted; the address is exported."""
        ind = indicator("[ipv4-addr:value = '0.0.0.0/0' OR ipv4-addr:value = '203.0.113.5']")
        out = export("suricata", [ind], Filters(at=NOW))
        rules = out.files[RULES_FILE].decode()
        assert "0.0.0.0/0" not in rules
        assert "<>" not in rules
        assert out.skipped == {
            "value left out: ipv4-addr:value '0.0.0.0/0': network wider than /8 (IPv4)": 1
        }


class TestSigmaNetworks:
    """The Sigma formats refuse the networks the list formats refuse, as whole rules."""

    SIGMA_FORMATS = ("sigma", "splunk", "elastic")

    def test_issubset_any_address_is_no_rule(self) -> None:
        """The issue's feed line, [ipv4-addr:value ISSUBSET '0.0.0.0/0'], becomes no rule
        matching every event in any Sigma format, and the reason is counted."""
        ind = indicator("[ipv4-addr:value ISSUBSET '0.0.0.0/0']")
        for fmt in self.SIGMA_FORMATS:
            out = export(fmt, [ind], Filters(at=NOW))
            assert out.exported == 0, fmt
            assert out.files == {next(iter(out.files)): b""}, fmt
            assert out.skipped == {
                "ipv4-addr:value '0.0.0.0/0': network wider than /8 (IPv4)": 1
            }, fmt

    def test_wide_network_in_an_or_skips_the_whole_rule(self) -> None:
        """A rule stands for its whole pattern: one refused network in an OR, an IN list or
        under an AND refuses the rule; the other indicator is still exported."""
        refused = [
            indicator("[ipv4-addr:value = '0.0.0.0/0' OR ipv4-addr:value = '203.0.113.5']", 1),
            indicator("[ipv4-addr:value IN ('192.0.2.0/24', '::/0')]", 2),
            indicator(
                "[(ipv6-addr:value ISSUBSET '2001:db8::/31' OR ipv6-addr:value = '2001:db8::1')"
                " AND ipv6-addr:value = '2001:db8::2']",
                3,
            ),
        ]
        kept = indicator("[ipv4-addr:value = '192.0.2.0/24']", 4)
        for fmt in self.SIGMA_FORMATS:
            out = export(fmt, [*refused, kept], Filters(at=NOW))
            assert out.exported == 1, fmt
            data = b"".join(out.files.values()).decode()
            assert kept["id"] in data, fmt
            assert "0.0.0.0/0" not in data, fmt
            assert "203.0.113.5" not in data, fmt
            assert out.skipped == {
                "ipv4-addr:value '0.0.0.0/0': network wider than /8 (IPv4)": 1,
                "ipv4-addr:value '::/0' is not an IPv4 address or network": 1,
                "ipv6-addr:value '2001:db8::/31': network wider than /32 (IPv6)": 1,
            }, fmt

    def test_floor_is_configurable(self) -> None:
        """--min-prefix4/6 move the floor for Sigma as for lists; 0 allows every network."""
        ind = indicator("[ipv4-addr:value = '10.0.0.0/8' OR ipv6-addr:value = '2001:db8::/32']")
        assert export("sigma", [ind], Filters(at=NOW)).exported == 1
        out = export("splunk", [ind], Filters(at=NOW, min_prefix4=9))
        assert out.skipped == {"ipv4-addr:value '10.0.0.0/8': network wider than /9 (IPv4)": 1}
        out = export("elastic", [ind], Filters(at=NOW, min_prefix6=48))
        assert out.skipped == {"ipv6-addr:value '2001:db8::/32': network wider than /48 (IPv6)": 1}
        wide = indicator("[ipv4-addr:value ISSUBSET '0.0.0.0/0']")
        out = export("sigma", [wide], Filters(at=NOW, min_prefix4=0))
        assert out.exported == 1
        assert b"ipv4|cidr: 0.0.0.0/0" in out.files["stixhub-sigma.yml"]

    def test_malformed_network_is_counted_not_raised(self) -> None:
        """A CIDR that is no network (prefix too long) is a counted skip, not pySigma's
        exception escaping the export."""
        ind = indicator("[ipv4-addr:value ISSUBSET '10.0.0.0/33']")
        for fmt in self.SIGMA_FORMATS:
            out = export(fmt, [ind], Filters(at=NOW))
            assert out.skipped == {
                "ipv4-addr:value '10.0.0.0/33' is not an IPv4 address or network": 1
            }, fmt


class TestStaleFiles:
    """A re-export after a revocation leaves nothing of the revoked indicator behind."""

    def test_plain_empties_the_kind_of_a_revoked_indicator(self, tmp_path: Path) -> None:
        """The reviewer's case: the only domain indicator revoked, domain.txt is emptied."""
        ind = indicator("[domain-name:value = 'evil.example']")
        out = export("plain", [ind], Filters(at=NOW))
        write_tree(tmp_path, out.files, out.owned)
        assert (tmp_path / "domain.txt").read_text() == "evil.example\n"
        revoked = {**ind, "modified": "2024-02-01T00:00:00.000Z", "revoked": True}
        out = export("plain", [ind, revoked], Filters(at=NOW))
        assert out.exported == 0
        write_tree(tmp_path, out.files, out.owned)
        assert (tmp_path / "domain.txt").read_text() == ""
        assert (tmp_path / "ipv4.txt").read_text() == ""

    def test_suricata_removes_lists_of_revoked_indicators(self, tmp_path: Path) -> None:
        """The revoked indicator's dataset file goes, the other's stays, and every list the
        new rules load exists."""
        gone = indicator("[domain-name:value = 'evil.example']", 1)
        kept = indicator("[ipv4-addr:value = '203.0.113.5']", 2)
        out = export("suricata", [gone, kept], Filters(at=NOW))
        write_tree(tmp_path, out.files, out.owned)
        (tmp_path / "datasets" / "mine.lst").write_text("not ours\n")
        assert len(list((tmp_path / "datasets").glob("stixhub-*.lst"))) == 2
        revoked = {**gone, "modified": "2024-02-01T00:00:00.000Z", "revoked": True}
        out = export("suricata", [gone, revoked, kept], Filters(at=NOW))
        write_tree(tmp_path, out.files, out.owned)
        lists = sorted(p.name for p in (tmp_path / "datasets").iterdir())
        uuid_kept = kept["id"].split("--")[1]
        assert lists == ["mine.lst", f"stixhub-{uuid_kept}-ip.lst"]
        rules = (tmp_path / RULES_FILE).read_text()
        assert "evil" not in rules
        assert gone["id"] not in rules
        for line in rules.splitlines()[1:]:
            assert parse_rule(line) is not None
            assert f"datasets/stixhub-{uuid_kept}-ip.lst" in line

    def test_empty_suricata_export_clears_everything(self, tmp_path: Path) -> None:
        """Nothing left in force: an empty rules file and no list of ours."""
        ind = indicator("[domain-name:value = 'evil.example']")
        out = export("suricata", [ind], Filters(at=NOW))
        write_tree(tmp_path, out.files, out.owned)
        out = export("suricata", [], Filters(at=NOW))
        write_tree(tmp_path, out.files, out.owned)
        assert list((tmp_path / "datasets").iterdir()) == []
        assert (tmp_path / RULES_FILE).read_text().startswith("# stixhub export: 0 rules")


class TestModes:
    """Written files are readable by the daemon's user, as the file they replace was."""

    def test_new_file_is_0644_less_umask(self, tmp_path: Path) -> None:
        """No old file: 0o644 less the umask (mkstemp alone would leave 0o600)."""
        old = os.umask(0o027)
        try:
            write_atomic(tmp_path / "a.intel", b"x")
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / "a.intel").stat().st_mode) == 0o640
        write_atomic(tmp_path / "b.intel", b"x")
        assert stat.S_IMODE((tmp_path / "b.intel").stat().st_mode) == 0o644 & ~old

    def test_replacement_keeps_the_mode(self, tmp_path: Path) -> None:
        """A re-export keeps the mode an operator gave the file."""
        path = tmp_path / "stixhub.rules"
        path.write_bytes(b"old")
        path.chmod(0o664)
        write_atomic(path, b"new")
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
        assert path.read_bytes() == b"new"


class TestTlpDefinitions:
    """The nine fixed TLP ids mean what the standards say, whatever a feed ships under them."""

    def tampered(self, marking_id: str) -> dict[str, object]:
        """A definition under a fixed TLP:RED id whose content says clear."""
        fake = tlp_marking("clear", "2.0") | {"id": marking_id, "name": "TLP:CLEAR"}
        if marking_id == TLP1_RED:
            fake = tlp_marking("clear", "1.0") | {"id": marking_id}
        return fake

    @pytest.mark.parametrize("marking_id", [TLP1_RED, TLP2_RED])
    def test_bundle_carries_the_standard_object(self, marking_id: str) -> None:
        """The bundle holds the standard TLP:RED object, never the feed's copy."""
        ind = indicator("[domain-name:value = 'evil.example']", object_marking_refs=[marking_id])
        out = export("stix", [self.tampered(marking_id), ind], Filters(at=NOW))
        bundle = orjson.loads(out.files["stixhub-bundle.json"])
        (marking,) = [o for o in bundle["objects"] if o["type"] == "marking-definition"]
        version = "1.0" if marking_id == TLP1_RED else "2.0"
        assert marking == tlp_marking("red", version)

    @pytest.mark.parametrize("marking_id", [TLP1_RED, TLP2_RED])
    def test_max_tlp_ignores_the_feed_copy(self, marking_id: str) -> None:
        """--max-tlp clear skips the indicator: its fixed id is red, whatever the copy says."""
        ind = indicator("[domain-name:value = 'evil.example']", object_marking_refs=[marking_id])
        sel = selection_of(self.tampered(marking_id), ind, max_tlp="clear")
        assert sel.indicators == []
        assert sel.skipped == {"TLP above the maximum": 1}


class TestSuricataUrls:
    """URL rules match what Suricata's buffers hold: host without port, port in the header."""

    @pytest.mark.parametrize(
        ("url", "host", "port", "uri"),
        [
            ("http://evil.example:8080/a", "evil.example", "8080", "/a"),
            ("https://Evil.Example/a?b=1#frag", "evil.example", "any", "/a?b=1"),
            ("http://evil.example?x=1", "evil.example", "any", "/?x=1"),
            ("http://evil.example#top", "evil.example", "any", "/"),
            ("http://user@evil.example:80", "evil.example", "80", "/"),
            ("http://[2001:db8::1]:8443/p", "[2001:db8::1]", "8443", "/p"),
        ],
    )
    def test_host_port_and_uri(self, url: str, host: str, port: str, uri: str) -> None:
        """Each URL gives one rule, parsed by suricataparser, with these parts."""
        out = export("suricata", [indicator(f"[url:value = '{url}']")], Filters(at=NOW))
        (line,) = out.files[RULES_FILE].decode().splitlines()[1:]
        rule = parse_rule(line)
        assert rule is not None, line
        assert line.startswith(f"alert http any any -> any {port} (")
        assert f'http.host; content:"{host}"; startswith; endswith;' in line
        assert f'http.uri.raw; content:"{uri}"; startswith; endswith;' in line

    @pytest.mark.parametrize(
        "url", ["http://evil.example:0/", "http://evil.example:99999/", "http://evil.example:x/"]
    )
    def test_bad_port_refused(self, url: str) -> None:
        """A port Suricata cannot match is counted, not written as text into the host."""
        out = export("suricata", [indicator(f"[url:value = '{url}']")], Filters(at=NOW))
        assert out.exported == 0
        assert out.skipped == {"URL without a host, port and path Suricata can match": 1}
