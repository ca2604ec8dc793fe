"""The sense job on real corpus logs: matching, periods, re-runs, validity, TLP, privacy."""

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2validator import ValidationOptions as OasisOptions
from stix2validator import validate_instance

from stixhub.sensor import (
    Destination,
    InvalidIdentity,
    Ledger,
    PrivacyPolicy,
    SenseOptions,
    Spool,
    commit,
    load_identity,
    read_log,
    sense,
)
from stixhub.sensor._sightings import period_start, sighting_id
from stixhub.stix import parse_rfc3339_micros
from stixhub.stix.markings import tlp_marking_id
from stixhub.stix.validation import ValidationOptions, Validator
from tests.sensor._helpers import identity, indicator

LOGS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "logs"
HTTP_LOG = LOGS / "zeek-tsv" / "rita-proxy" / "http.log"
CONN_LOG = LOGS / "zeek-tsv" / "rita-proxy" / "conn.log"
IDENTITY = identity()
NOW = parse_rfc3339_micros("2024-06-01T12:00:00Z")
DOMAIN_IND = "indicator--0a1b2c3d-0000-4000-8000-000000000001"
PROXY_IND = "indicator--0a1b2c3d-0000-4000-8000-000000000002"


INDICATORS = [
    indicator(DOMAIN_IND, "[domain-name:value = 'www.honestimnotevil.com']"),
    indicator(PROXY_IND, "[ipv4-addr:value = '10.136.0.16']"),
]


def expected_hours(path: Path, value: str) -> Counter[int]:
    """Events of a log naming value, counted per UTC hour, read independently of sense."""
    hours: Counter[int] = Counter()
    for event in read_log(path):
        if any(o.get("value") == value for o in event.objects.values()):
            hours[period_start(event.time, 3600)] += 1
    return hours


def run(tmp: Path, logs: list[Path], indicators: list[dict[str, Any]] = INDICATORS,
        now: int = NOW, **options: Any) -> Any:  # fmt: skip
    """One sense run with a ledger in tmp, committed to the outbox."""
    with Spool(tmp / "spool") as spool:
        ledger = spool.ledger()
        sense_options = SenseOptions(IDENTITY, **options)
        result = sense(indicators, logs, sense_options, ledger, now)
        hub = Destination.make("http://hub.example/api1/", "sightings", sense_options.policy)
        commit(result, spool, ledger, hub)
        return result


class TestSense:
    """A sense run reports one sighting per indicator and hour with the right figures."""

    def test_counts_per_hour(self, tmp_path: Path) -> None:
        """Each hour with matches gives one sighting whose count is that hour's events."""
        result = run(tmp_path, [HTTP_LOG])
        hours = expected_hours(HTTP_LOG, "www.honestimnotevil.com")
        sightings = {
            o["id"]: o
            for o in result.bundle["objects"]
            if o["type"] == "sighting" and o["sighting_of_ref"] == DOMAIN_IND
        }
        assert len(sightings) == len(hours) > 1
        for start, count in hours.items():
            sid = sighting_id(IDENTITY["id"], DOMAIN_IND, start, 3600)
            assert sightings[sid]["count"] == count
            first = parse_rfc3339_micros(sightings[sid]["first_seen"])
            assert start <= first < start + 3600 * 1_000_000

    def test_valid_for_both_validators(self, tmp_path: Path) -> None:
        """The bundle passes stixhub's validator and the OASIS stix2-validator."""
        result = run(tmp_path, [HTTP_LOG])
        report = Validator(ValidationOptions(strict=False)).validate_document(result.bundle)
        assert report.valid, report.as_dict()
        for obj in result.bundle["objects"]:
            oasis = validate_instance(obj, OasisOptions(version="2.1"))
            assert oasis.is_valid, [str(e) for e in oasis.errors]

    def test_same_logs_again_change_nothing(self, tmp_path: Path) -> None:
        """A second run on the same logs, even under another name, reports nothing."""
        run(tmp_path, [HTTP_LOG, CONN_LOG])
        copy = tmp_path / "renamed.log"
        shutil.copy(HTTP_LOG, copy)
        again = run(tmp_path, [copy, CONN_LOG], now=NOW + 10**9)
        assert again.changes == []
        assert again.bundle is None

    def test_grown_log_updates_counts(self, tmp_path: Path) -> None:
        """A log read again after it grew updates the same sightings to the new totals."""
        lines = HTTP_LOG.read_bytes().splitlines(keepends=True)
        live = tmp_path / "http.log"
        live.write_bytes(b"".join(lines[:200]))
        first = run(tmp_path, [live])
        live.write_bytes(b"".join(lines))
        second = run(tmp_path, [live], now=NOW + 10**9)
        hours = expected_hours(HTTP_LOG, "www.honestimnotevil.com")
        counts = {o["id"]: o["count"] for o in second.bundle["objects"] if o["type"] == "sighting"}
        before = {o["id"]: o for o in first.bundle["objects"] if o["type"] == "sighting"}
        for start, count in hours.items():
            sid = sighting_id(IDENTITY["id"], DOMAIN_IND, start, 3600)
            if sid in counts:
                assert counts[sid] == count
            else:
                assert before[sid]["count"] == count  # unchanged hour: not sent again
        changed = [o for o in second.bundle["objects"] if o["id"] in before]
        assert changed
        for obj in changed:
            assert obj["modified"] > before[obj["id"]]["modified"]
            assert obj["created"] == before[obj["id"]]["created"]

    def test_a_new_log_adds_to_the_same_hour(self, tmp_path: Path) -> None:
        """Another log (other first bytes) with events in the same hour adds its count."""
        lines = HTTP_LOG.read_bytes().splitlines(keepends=True)
        header = [line for line in lines if line.startswith(b"#")][:8]
        records = [line for line in lines if not line.startswith(b"#")]
        one, two = tmp_path / "a.log", tmp_path / "b.log"
        one.write_bytes(b"".join(header + records[::2]))
        two.write_bytes(b"".join([*header, b"#comment other file\n", *records[1::2]]))
        run(tmp_path, [one])
        second = run(tmp_path, [two], now=NOW + 10**9)
        hours = expected_hours(HTTP_LOG, "www.honestimnotevil.com")
        for obj in second.bundle["objects"]:
            if obj["type"] == "sighting" and obj["sighting_of_ref"] == DOMAIN_IND:
                start = period_start(parse_rfc3339_micros(obj["first_seen"]), 3600)
                assert obj["count"] == hours[start]

    def test_internal_indicator_is_counted_not_shared(self, tmp_path: Path) -> None:
        """A sighting of an internal address is sent without the address."""
        result = run(tmp_path, [CONN_LOG])
        assert any(o["type"] == "sighting" for o in result.bundle["objects"])
        assert b"10.136." not in result.payload

    def test_matched_observables_shared(self, tmp_path: Path) -> None:
        """The public domain an indicator names is shared in observed-data."""
        result = run(tmp_path, [HTTP_LOG])
        values = {o.get("value") for o in result.bundle["objects"] if o["type"] == "domain-name"}
        assert values == {"www.honestimnotevil.com"}
        assert not any(o["type"] == "network-traffic" for o in result.bundle["objects"])


class TestValidity:
    """Only indicators valid at the event's time and not revoked match."""

    @pytest.mark.parametrize(
        "extra",
        [
            {"valid_from": "2023-06-01T00:00:00Z"},
            {"valid_until": "2021-01-01T00:00:00Z"},
            {"revoked": True},
        ],
    )
    def test_not_valid_then(self, tmp_path: Path, extra: dict[str, Any]) -> None:
        """An indicator not yet valid, expired or revoked at the logs' time gives nothing."""
        ind = indicator(DOMAIN_IND, "[domain-name:value = 'www.honestimnotevil.com']", **extra)
        result = run(tmp_path, [HTTP_LOG], [ind])
        assert result.changes == []

    def test_window_cuts_events(self, tmp_path: Path) -> None:
        """With valid_until inside the log, only the events before it are counted."""
        ind = indicator(
            DOMAIN_IND,
            "[domain-name:value = 'www.honestimnotevil.com']",
            valid_until="2023-01-05T00:00:00Z",
        )
        result = run(tmp_path, [HTTP_LOG], [ind])
        cut = parse_rfc3339_micros("2023-01-05T00:00:00Z")
        hours = expected_hours(HTTP_LOG, "www.honestimnotevil.com")
        assert sum(c.count for c in result.changes) == sum(
            n for start, n in hours.items() if start < cut
        )

    def test_revoked_later_version(self, tmp_path: Path) -> None:
        """A revoked newer version among the indicators stops the older one matching."""
        ind = indicator(DOMAIN_IND, "[domain-name:value = 'www.honestimnotevil.com']")
        revoked = {**ind, "modified": "2021-01-01T00:00:00.000Z", "revoked": True}
        assert run(tmp_path, [HTTP_LOG], [ind, revoked]).changes == []


class TestTlp:
    """Every object carries the TLP marking and its definition is in the bundle."""

    @pytest.mark.parametrize(("level", "version"), [("amber", "1.0"), ("green", "2.0"),
                                                     ("amber+strict", "2.0")])  # fmt: skip
    def test_marking(self, tmp_path: Path, level: str, version: str) -> None:
        """Sightings, observed-data and SCOs name the chosen TLP marking-definition."""
        result = run(tmp_path, [HTTP_LOG], tlp=level, tlp_version=version)
        marking = tlp_marking_id(level, version)  # type: ignore[arg-type]
        objects = result.bundle["objects"]
        assert objects[0]["id"] == marking
        for obj in objects[1:]:
            assert obj["object_marking_refs"] == [marking]
        report = Validator(ValidationOptions(strict=False)).validate_document(result.bundle)
        assert report.valid, report.as_dict()


class TestIdentity:
    """The identity file names the reporting organisation."""

    def test_bundle_with_one_identity(self, tmp_path: Path) -> None:
        """A bundle holding one identity is read."""
        path = tmp_path / "id.json"
        path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [IDENTITY]}))
        assert load_identity(path)["id"] == IDENTITY["id"]

    @pytest.mark.parametrize(
        "content",
        ["not json", json.dumps({"type": "indicator"}), json.dumps([IDENTITY, IDENTITY]),
         json.dumps({**IDENTITY, "id": "identity--nope"})],
    )  # fmt: skip
    def test_unusable(self, tmp_path: Path, content: str) -> None:
        """Anything but one identity with a proper id is InvalidIdentity."""
        path = tmp_path / "id.json"
        path.write_text(content)
        with pytest.raises(InvalidIdentity):
            load_identity(path)


_PRIVATE = st.one_of(
    st.ip_addresses(v=4, network="10.0.0.0/8"),
    st.ip_addresses(v=4, network="192.168.0.0/16"),
    st.ip_addresses(v=4, network="172.16.0.0/12"),
    st.ip_addresses(v=6, network="fe80::/10"),
    st.ip_addresses(v=6, network="fc00::/7"),
).map(str)
_PUBLIC = st.one_of(
    st.ip_addresses(v=4, network="203.0.113.0/24"),
    st.ip_addresses(v=6, network="2001:db8::/32"),
).map(str)
_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_OWN = _LABEL.map(lambda s: f"{s}.corp.example")
_EXTERNAL = _LABEL.map(lambda s: f"{s}.evil.example")


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    """One Zeek JSON http record mixing internal and public values everywhere."""
    host = draw(st.one_of(_OWN, _EXTERNAL, _PRIVATE, _PUBLIC))
    query = draw(
        st.one_of(
            st.just(""),
            _OWN.map(lambda d: f"?to=alice@{d}"),
            _PRIVATE.map(lambda a: f"?ip={a}"),
            _LABEL.map(lambda s: f"?q={s}"),
        )
    )
    return {
        "_path": "http",
        "ts": 1_700_000_000 + draw(st.integers(0, 7200)),
        "uid": "C" + draw(_LABEL),
        "id.orig_h": draw(st.one_of(_PRIVATE, _PUBLIC)),
        "id.orig_p": 40000,
        "id.resp_h": draw(st.one_of(_PRIVATE, _PUBLIC)),
        "id.resp_p": 80,
        "method": "GET",
        "host": f"[{host}]" if ":" in host else host,
        "uri": f"/{draw(_LABEL)}{query}",
        "referrer": f"http://{draw(_OWN)}/",
        "username": draw(_LABEL),
    }


# Indicators that match every address, name and URL, so everything is a candidate to share.
_EVERYTHING = [
    indicator("indicator--0a1b2c3d-0000-4000-8000-000000000010",
              "[ipv4-addr:value ISSUBSET '0.0.0.0/0']"),
    indicator("indicator--0a1b2c3d-0000-4000-8000-000000000011",
              "[ipv6-addr:value ISSUBSET '::/0']"),
    indicator("indicator--0a1b2c3d-0000-4000-8000-000000000012", "[domain-name:value LIKE '%']"),
    indicator("indicator--0a1b2c3d-0000-4000-8000-000000000013", "[url:value LIKE '%']"),
]  # fmt: skip


def _whole(value: str) -> "re.Pattern[bytes]":
    """The value as a whole token of the payload: not preceded or followed by a character
    that could continue an address or a name."""
    edge = rb"[0-9A-Za-z:.\-]"
    return re.compile(rb"(?<!" + edge + rb")" + re.escape(value.encode()) + rb"(?!" + edge + rb")")


class TestPrivacyProperty:
    """Whatever the logs hold, nothing internal is in the bytes that would be sent."""

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(_records(), min_size=1, max_size=12))
    def test_no_internal_value_leaves(self, tmp_path: Path, records: list[dict[str, Any]]) -> None:
        """No private address, own domain or user name of the logs is in the payload."""
        log = tmp_path / "http.json"
        log.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        policy = PrivacyPolicy.make(own_domains=["corp.example"])
        ledger = Ledger(tmp_path / "unused-ledger.json")
        result = sense(_EVERYTHING, [log], SenseOptions(IDENTITY, policy=policy), ledger, NOW)
        payload = result.payload or b""
        assert b"corp.example" not in payload
        for record in records:
            for key in ("id.orig_h", "id.resp_h", "host"):
                value = record[key].strip("[]")
                if policy.mentions_internal(value):
                    # As a whole value: "fc00::" is inside the public "2001:db8:3a26:fc00::".
                    assert not _whole(value).search(payload)
        if any(not policy.mentions_internal(r["id.resp_h"]) for r in records):
            assert result.payload is not None  # public values are still reported
