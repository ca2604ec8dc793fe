"""Every reader on the real logs of the shared corpus, matched through PatternIndex.

The values come from ``corpus/logs/README.md``: each must-match value, written as a STIX
indicator, matches at least one event of the files it names; no must-not-match value
matches any event of any file.
"""

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from stixhub.sensor import Event
from stixhub.sensor.readers import ReadStats, read_log
from stixhub.stix.patterns import PatternIndex
from tests.conftest import shared_path

LOGS = ("corpus", "logs")
MAPPINGS = Path(__file__).parent / "mappings"


def log(*parts: str) -> Path:
    return shared_path(*LOGS, *parts)


def indicator(pattern: str) -> dict[str, Any]:
    """A STIX 2.1 indicator valid since 1970, so every corpus timestamp is inside it."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, pattern)}",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "1970-01-01T00:00:00Z",
    }


def events_of(path: Path, **options: Any) -> tuple[list[Event], ReadStats]:
    stats = ReadStats(str(path))
    return list(read_log(path, stats=stats, **options)), stats


def matches(pattern: str, events: list[Event]) -> int:
    """How many events the pattern matches."""
    index = PatternIndex([indicator(pattern)])
    assert not index.refused, index.refused
    return sum(1 for e in events if index.match(e.observed_data()))


RITA = ("zeek-tsv", "rita-proxy")
WRCCDC_TSV = ("zeek-tsv", "wrccdc-2018")
WRCCDC_JSON = ("zeek-json", "wrccdc-2018")
MUST_MATCH = [
    ("[domain-name:value = 'www.honestimnotevil.com']", [(*RITA, "http.log"), (*RITA, "ssl.log")]),
    (
        "[ipv4-addr:value = '10.136.0.16']",
        [(*RITA, f) for f in ("conn.log", "http.log", "ssl.log")],
    ),
    ("[file:hashes.MD5 = 'd6c6642cd4be96f391726a1e5b8b9695']", [(*RITA, "files.log")]),
    (
        "[file:hashes.'SHA-1' = 'ef4a07dc91ccc67f0ba7d7c42b5a02344c39ad73']",
        [(*RITA, "files.log")],
    ),
    (
        "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = "
        "'Modzilla/-2.0 (Atari 7800)']",
        [(*RITA, "http.log")],
    ),
    ("[network-traffic:x_ja3 = '456523fc94726331a4d5a2e1d40b2cd7']", [(*RITA, "ssl.log")]),
    ("[network-traffic:x_ja3s = '15af977ce25de452b96affa2addb1036']", [(*RITA, "ssl.log")]),
    ("[ipv4-addr:value = '165.227.88.15']", [("zeek-json", "rita-dnscat2", "dns.log")]),
    (
        "[domain-name:value = 'ise.wrccdc.org']",
        [
            (*WRCCDC_TSV, "dns.first1000.log"),
            (*WRCCDC_JSON, "dns.first1000.json"),
            (*WRCCDC_TSV, "ssl.first1000.log"),
            (*WRCCDC_JSON, "ssl.first1000.json"),
        ],
    ),
    (
        "[ipv4-addr:value = '216.58.193.195']",
        [
            (*WRCCDC_TSV, "ssl.first1000.log"),
            (*WRCCDC_JSON, "ssl.first1000.json"),
            (*WRCCDC_TSV, "dns.first1000.log"),
            (*WRCCDC_JSON, "dns.first1000.json"),
            (*WRCCDC_TSV, "notice.log"),
            (*WRCCDC_JSON, "notice.json"),
        ],
    ),
    (
        "[x509-certificate:hashes.'SHA-256' = "
        "'b2dafbcdbc75210672f137f27ce882ccb799887631655d4f11191d5a678e44fe']",
        [(*WRCCDC_TSV, "x509.log"), (*WRCCDC_JSON, "x509.json")],
    ),
    ("[ipv6-addr:value = '2607:f740:b::f93']", [("zeek-btest", "dns.ipv6-frag.log")]),
    ("[domain-name:value = 'upload.wikimedia.org']", [("zeek-btest", "intel.whitelisting.log")]),
    (
        "[url:value = 'http://www.eicar.org/download/eicar.com']",
        [("suricata", "suricata-verify.output-eve-fileinfo.eve.json")],
    ),
    (
        "[file:hashes.'SHA-256' = "
        "'f610428ebddf6f8cf9e39322e672583c45fcdcf885efad0ab48fd53a3dfc2c4b']",
        [("suricata", "elastic-beats.eve.json")],
    ),
    (
        "[x509-certificate:hashes.'SHA-1' = '9086a43bf5cf1b2e4ef79796f9debab96635863f']",
        [("suricata", "suricata-verify.tls-json-output-ids.eve.json")],
    ),
    (
        "[domain-name:value = 'client-cf.dropbox.com']",
        [("suricata", "suricata-verify.eve-dns.eve.json")],
    ),
    ("[ipv6-addr:value = 'fe80::fada:cff:fedc:87f1']", [("suricata", "elastic-beats.eve.json")]),
    (
        "[ipv4-addr:value = '82.165.177.154']",
        [("suricata", "suricata-verify.alert-testmyids.eve.json")],
    ),
    ("[domain-name:value = 'p33-btmmdns.icloud.com']", [("suricata", "elastic-beats.eve.json")]),
    ("[ipv4-addr:value ISSUBSET '10.136.0.0/24']", [(*RITA, "conn.log")]),
]
MAPPED_MUST_MATCH = [
    ("[url:value = 'http://www.cnn.com/']", "metron.squid-access.log", "squid.toml"),
    ("[ipv4-addr:value = '199.27.79.73']", "metron.squid-access.log", "squid.toml"),
    ("[ipv4-addr:value = '216.0.10.198']", "metron.paloalto-syslog-csv.log", "panos.toml"),
]
MUST_NOT_MATCH = [
    "[domain-name:value = 'evil.com']",
    "[domain-name:value = 'honestimnotevil.com']",
    "[ipv4-addr:value = '10.136.0.1']",
    "[domain-name:value = 'p33-btmmdns.icloud.com.']",
    "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    "[ipv4-addr:value = '198.51.100.1']",
    "[domain-name:value = 'example.invalid']",
    "[ipv6-addr:value = 'fe80::fada:cff:fedc:87f2']",
    "[domain-name:value = '-']",
    "[domain-name:value = '(empty)']",
    "[url:value = '-']",
    "[file:name = '-']",
    "[user-account:user_id = '-']",
    "[x509-certificate:serial_number = '-']",
    "[file:hashes.MD5 = '-']",
]


def all_corpus_events() -> list[Event]:
    events: list[Event] = []
    for path in sorted(shared_path(*LOGS).rglob("*")):
        if path.is_file() and path.name != "README.md" and "generic" not in path.parts:
            events += events_of(path)[0]
    for name, mapping in (("metron.squid-access.log", "squid.toml"),):
        events += events_of(log("generic", name), format="csv", mapping=MAPPINGS / mapping)[0]
    events += events_of(
        log("generic", "metron.paloalto-syslog-csv.log"), mapping=MAPPINGS / "panos.toml"
    )[0]
    return events


@pytest.fixture(scope="module")
def corpus_events() -> list[Event]:
    return all_corpus_events()


class TestMustMatch:
    """Each value the corpus README lists as present is found in the files it names."""

    @pytest.mark.parametrize(("pattern", "files"), MUST_MATCH, ids=[p for p, _ in MUST_MATCH])
    def test_matches_every_named_file(self, pattern: str, files: list[tuple[str, ...]]) -> None:
        """The indicator matches at least one event of every file the README names."""
        for parts in files:
            events, _ = events_of(log(*parts))
            assert matches(pattern, events) > 0, parts

    @pytest.mark.parametrize(("pattern", "name", "mapping"), MAPPED_MUST_MATCH)
    def test_matches_mapped_logs(self, pattern: str, name: str, mapping: str) -> None:
        """Squid and PAN-OS logs read through a mapping file give the listed values."""
        events, stats = events_of(log("generic", name), format="csv", mapping=MAPPINGS / mapping)
        assert stats.malformed == 0
        assert matches(pattern, events) > 0


class TestObservationAnd:
    """The README's ``[ipv4-addr ...] AND [domain-name ...]`` names two values of one line."""

    def test_both_values_are_in_the_same_event(self) -> None:
        """One event carries both; as a comparison AND inside one observation it matches."""
        events, _ = events_of(log("suricata", "suricata-verify.output-eve-fileinfo.eve.json"))
        pattern = "[ipv4-addr:value = '188.40.238.250'] AND [domain-name:value = 'www.eicar.org']"
        assert matches(pattern.replace("] AND [", "] OR ["), events) == 1
        for part in pattern.split(" AND "):
            assert matches(part, events) == 1
        # STIX 2.1 section 9.5: AND between observation expressions needs two observations;
        # one log line is one observation (stix2-matcher agrees), so the pattern as written
        # matches only once the same line has been seen twice.
        assert matches(pattern, events) == 0
        assert matches(pattern, events * 2) == 0  # each event is still matched on its own


class TestMustNotMatch:
    """Near misses and placeholders match nothing in the whole corpus."""

    @pytest.mark.parametrize("pattern", MUST_NOT_MATCH)
    def test_no_event_matches(self, pattern: str, corpus_events: list[Event]) -> None:
        """No event of any corpus file matches the near miss."""
        assert matches(pattern, corpus_events) == 0

    def test_no_placeholder_becomes_a_value(self, corpus_events: list[Event]) -> None:
        """No observable anywhere holds a Zeek placeholder as a value."""
        for event in corpus_events:
            for obj in event.objects.values():
                for value in obj.values():
                    assert value not in ("-", "(empty)", ""), (event.source, event.line, obj)


class TestSameRecordsSameObservables:
    """The wrccdc TSV and JSON files hold the same records; both readers see the same."""

    @pytest.mark.parametrize(
        ("tsv", "json"),
        [
            ("dns.first1000.log", "dns.first1000.json"),
            ("ssl.first1000.log", "ssl.first1000.json"),
            ("x509.log", "x509.json"),
            ("notice.log", "notice.json"),
        ],
    )
    def test_tsv_and_json_agree(self, tsv: str, json: str) -> None:
        """Every record gives the same time and observables in both formats."""
        a, stats_a = events_of(log(*WRCCDC_TSV, tsv))
        b, stats_b = events_of(log(*WRCCDC_JSON, json))
        assert stats_a.malformed == stats_b.malformed == 0
        assert len(a) == len(b) > 0
        for x, y in zip(a, b, strict=True):
            assert x.time == y.time
            assert x.objects == y.objects

    def test_ise_count_is_the_same(self) -> None:
        """ise.wrccdc.org is queried 516 times in the DNS subset, in TSV and in JSON."""
        pattern = "[domain-name:value = 'ise.wrccdc.org']"
        tsv, _ = events_of(log(*WRCCDC_TSV, "dns.first1000.log"))
        json, _ = events_of(log(*WRCCDC_JSON, "dns.first1000.json"))
        assert matches(pattern, tsv) == matches(pattern, json) == 516


class TestTraps:
    """The traps the corpus README lists, one by one."""

    def test_unset_and_empty_are_not_values(self) -> None:
        """files.log's unset sha256 and conn.log's unset tunnel_parents make no observable."""
        events, _ = events_of(log(*RITA, "files.log"))
        assert all("SHA-256" not in o.get("hashes", {}) for e in events for o in e.objects.values())

    def test_escaped_uri_is_decoded(self) -> None:
        """The \\xfc byte (not UTF-8) stays \\xfc text; spaces are kept as data."""
        (event,), stats = events_of(log("zeek-btest", "http.ascii-escape-odd-url.log"))
        urls = [o["value"] for o in event.objects.values() if o["type"] == "url"]
        assert urls == [
            "http://lepo.it.da.ut.ee/~cect/teoreetilised seminarid_2010/arheoloogia_uurimisr\\xfc"
            "hma_seminar/Joyce et al - The Languages of Archaeology ~ Dialogue, Narrative and "
            "Writing.pdf"
        ]
        assert stats.untimed == 1

    def test_rdn_backslash_is_data(self) -> None:
        """The TSV ``\\\\,`` in a certificate subject is the value ``\\,``, as in JSON."""
        events, _ = events_of(log(*WRCCDC_TSV, "x509.log"))
        subject = events[0].objects["0"]["subject"]
        assert subject.startswith("unstructuredName=1315656901\\,564d")
        assert "O=VMware\\, Inc" in subject

    def test_columns_by_name_in_both_x509_schemas(self) -> None:
        """The old x509 schema (no fingerprint) and Zeek 6's both read without error."""
        old, old_stats = events_of(log(*RITA, "x509.log"))
        new, new_stats = events_of(log(*WRCCDC_TSV, "x509.log"))
        assert (old_stats.malformed, new_stats.malformed) == (0, 0)
        assert (len(old), len(new)) == (173, 348)
        assert "hashes" not in old[0].objects["0"]
        assert old[0].objects["0"]["validity_not_before"] == "2020-12-03T14:00:52.000000Z"

    def test_masked_btest_times_are_reported_not_fatal(self) -> None:
        """Masked ts in TSV is an untimed record; masked ts in JSON is a malformed line."""
        _, tsv = events_of(log("zeek-btest", "intel.whitelisting.log"))
        assert (tsv.events, tsv.untimed, tsv.malformed) == (20, 20, 0)
        events, json = events_of(log("zeek-btest", "http.json-non-printable-escaping.log.json"))
        assert (events, json.malformed) == ([], 4)
        assert json.first_malformed[0].line == 2
        assert json.first_malformed[0].reason.startswith("not JSON")

    def test_suricata_traps(self) -> None:
        """Escaped slashes, expanded IPv6, a trailing dot, the server as source, stats lines."""
        events, stats = events_of(log("suricata", "elastic-beats.eve.json"))
        assert stats.skipped == 1  # the stats record
        values = Counter(o.get("value") for e in events for o in e.objects.values())
        assert values["fe80::fada:cff:fedc:87f1"] == 1
        assert values["ff02::1:2"] == 1
        assert values["p33-btmmdns.icloud.com"] == 1
        assert "/dd.xml" not in values
        assert "http://192.168.86.28/dd.xml" in values
        fileinfo = next(e for e in events if e.kind == "suricata.fileinfo")
        traffic = next(o for o in fileinfo.objects.values() if o["type"] == "network-traffic")
        assert fileinfo.objects[traffic["src_ref"]]["value"] == "192.168.86.28"  # the server
        assert traffic["src_port"] == 8008

    def test_eve_offsets_become_utc(self) -> None:
        """``-0600`` is six hours behind UTC."""
        (event,), _ = events_of(log("suricata", "suricata-verify.output-eve-fileinfo.eve.json"))
        assert event.observed_data()["first_observed"] == "2016-06-08T20:01:52.875791Z"

    def test_dns_answers_sorted_out(self) -> None:
        """A DNS answer vector gives names and addresses; TXT answers give nothing."""
        events, _ = events_of(log(*WRCCDC_TSV, "dns.first1000.log"))
        first = {(o["type"], o.get("value")) for o in events[0].objects.values()}
        assert ("domain-name", "ise.wrccdc.cpp.edu") in first
        assert ("ipv4-addr", "134.71.3.16") in first
        txt, _ = events_of(log("zeek-btest", "dns.ipv6-frag.log"))
        assert all("TXT" not in str(o.get("value")) for e in txt for o in e.objects.values())

    def test_connect_makes_no_url(self) -> None:
        """A proxy CONNECT names host:port: a domain, no url."""
        events, _ = events_of(log(*RITA, "http.log"))
        connect = events[0]
        types = sorted(o["type"] for o in connect.objects.values())
        assert types == ["domain-name", "ipv4-addr", "ipv4-addr", "network-traffic"]

    def test_squid_connect_and_peer(self) -> None:
        """Squid's DIRECT/peer gives the server address as the destination."""
        events, _ = events_of(
            log("generic", "metron.squid-access.log"), format="csv", mapping=MAPPINGS / "squid.toml"
        )
        assert len(events) == 2
        traffic = next(o for o in events[0].objects.values() if o["type"] == "network-traffic")
        assert events[0].objects[traffic["dst_ref"]]["value"] == "199.27.79.73"
        assert events[0].time == 1461576382642000


class TestEveryCorpusFile:
    """Every file of the corpus is read with its format detected and nothing fatal."""

    def test_all_files(self) -> None:
        """Each file of a known format gives events; only the masked JSON has bad lines."""
        for path in sorted(shared_path(*LOGS).rglob("*")):
            if not path.is_file() or path.name == "README.md" or "generic" in path.parts:
                continue
            events, stats = events_of(path)
            if path.name.endswith(".log.json"):
                assert stats.malformed == 4
            else:
                assert stats.malformed == 0, (path, stats.first_malformed)
                assert events, path
            assert stats.lines >= stats.events + stats.malformed
