"""Aggregation of matches into sightings: periods, deterministic ids, matched observables."""

import pytest
import stix2
from hypothesis import given
from hypothesis import strategies as st

from stixhub.sensor import Event
from stixhub.sensor._errors import InvalidPeriod
from stixhub.sensor._privacy import PrivacyPolicy
from stixhub.sensor._sightings import (
    MAX_COUNT,
    Aggregator,
    observed_data_id,
    parse_period,
    period_start,
    sco_id,
    sighting_id,
    sighting_objects,
)
from stixhub.stix import parse_rfc3339_micros
from stixhub.stix.validation import ValidationOptions, Validator

IDENTITY = "identity--1f0e8c7a-6a3c-4e1b-9f2e-5b8f6c2d1a00"
IND = "indicator--6f1c0c1e-3b0a-4b55-8f6e-1c2d3e4f5a6b"
HOUR = 3600 * 1_000_000
T0 = parse_rfc3339_micros("2024-03-01T10:00:00Z")


def conn(time: int, src: str = "10.0.0.5", dst: str = "203.0.113.9") -> Event:
    """A connection event from src to dst at time."""
    objects = {
        "0": {"type": "ipv4-addr", "value": src},
        "1": {"type": "ipv4-addr", "value": dst},
        "2": {"type": "network-traffic", "src_ref": "0", "dst_ref": "1", "protocols": ["tcp"]},
    }
    return Event(time, objects, "conn.log", 1, "zeek.conn")


class TestPeriods:
    """Reporting periods are whole minutes that tile the UTC day, aligned to the epoch."""

    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("3600", 3600), ("1h", 3600), ("15m", 900), ("1d", 86400), ("2d", 172800), (300, 300)],
    )
    def test_parse(self, text: str | int, seconds: int) -> None:
        """Periods are read in seconds, minutes, hours or days."""
        assert parse_period(text) == seconds

    @pytest.mark.parametrize("text", ["7m", "30s", "0", "25h", "1w", "-1h", "90s"])
    def test_refused(self, text: str) -> None:
        """A period that does not tile the day, or is under a minute, is refused."""
        with pytest.raises(InvalidPeriod):
            parse_period(text)

    def test_boundaries(self) -> None:
        """The last microsecond of an hour and the first of the next fall in two periods."""
        assert period_start(T0 + HOUR - 1, 3600) == T0
        assert period_start(T0 + HOUR, 3600) == T0 + HOUR
        assert period_start(T0 + 5 * HOUR + 7, 86400) == T0 - 10 * HOUR

    @given(st.integers(min_value=0, max_value=2**52), st.sampled_from([60, 900, 3600, 86400]))
    def test_start_is_aligned_and_holds_the_time(self, micros: int, period: int) -> None:
        """A period start is aligned to the period and the time lies within the period."""
        start = period_start(micros, period)
        assert start % (period * 1_000_000) == 0
        assert start <= micros < start + period * 1_000_000


class TestIds:
    """Ids are deterministic, and differ when identity, indicator or period differ."""

    def test_same_inputs_same_id(self) -> None:
        """The same identity, indicator and period give the same sighting id."""
        assert sighting_id(IDENTITY, IND, T0, 3600) == sighting_id(IDENTITY, IND, T0, 3600)

    def test_each_part_counts(self) -> None:
        """Changing any part gives another id."""
        base = sighting_id(IDENTITY, IND, T0, 3600)
        other = "identity--2f0e8c7a-6a3c-4e1b-9f2e-5b8f6c2d1a00"
        assert base != sighting_id(other, IND, T0, 3600)
        assert base != sighting_id(IDENTITY, IND.replace("6f1c", "7f1c"), T0, 3600)
        assert base != sighting_id(IDENTITY, IND, T0 + HOUR, 3600)
        assert base != sighting_id(IDENTITY, IND, T0, 86400)
        assert observed_data_id(base).startswith("observed-data--")
        assert observed_data_id(base) != observed_data_id(sighting_id(IDENTITY, IND, T0, 900))

    @pytest.mark.parametrize(
        "obj",
        [
            {"type": "ipv4-addr", "value": "203.0.113.9"},
            {"type": "domain-name", "value": "www.eicar.org"},
            {"type": "url", "value": "http://www.eicar.org/download/eicar.com"},
            {"type": "email-addr", "value": "bad@evil.example"},
            {"type": "file", "hashes": {"SHA-256": "ab" * 32, "MD5": "cd" * 16}},
            {"type": "x509-certificate", "hashes": {"SHA-1": "ef" * 20}, "serial_number": "01"},
        ],
    )
    def test_sco_ids_are_those_of_stix2(self, obj: dict[str, object]) -> None:
        """SCO ids are the STIX 2.1 section 2.9 ids the OASIS stix2 library computes."""
        reference = stix2.parse({**obj, "spec_version": "2.1"}, allow_custom=False)
        assert sco_id(obj) == reference.id


class TestAggregator:
    """The aggregator counts per indicator and period and picks the matched observables."""

    def _aggregator(self, share: str = "external") -> Aggregator:
        pattern = ("[ipv4-addr:value = '203.0.113.9']", "2.1")
        return Aggregator(3600, PrivacyPolicy.make(share=share), {IND: pattern})

    def test_counts_first_and_last(self) -> None:
        """Three events in one hour make one tally of 3 with the first and last instants."""
        agg = self._aggregator()
        for t in (T0 + 50, T0 + 10, T0 + 30):
            agg.add(conn(t), [IND])
        (tally,) = agg.tallies()
        assert (tally.count, tally.first, tally.last, tally.start) == (3, T0 + 10, T0 + 50, T0)

    def test_one_tally_per_period(self) -> None:
        """Events either side of an hour boundary make two tallies."""
        agg = self._aggregator()
        agg.add(conn(T0 + HOUR - 1), [IND])
        agg.add(conn(T0 + HOUR), [IND])
        assert [(t.start, t.count) for t in agg.tallies()] == [(T0, 1), (T0 + HOUR, 1)]

    def test_matched_observable_only(self) -> None:
        """Only the address the pattern names is kept, not the connection's other end."""
        agg = self._aggregator()
        agg.add(conn(T0, src="198.51.100.7"), [IND])
        (tally,) = agg.tallies()
        assert [o["value"] for o in tally.observables.values()] == ["203.0.113.9"]

    def test_none_keeps_no_observable(self) -> None:
        """With share mode none the tally counts but keeps no observable."""
        agg = self._aggregator("none")
        agg.add(conn(T0), [IND])
        (tally,) = agg.tallies()
        assert tally.count == 1
        assert tally.observables == {}

    def test_internal_match_is_counted_not_shared(self) -> None:
        """An indicator on an internal address is counted; the address is not shared."""
        pattern = ("[ipv4-addr:value = '10.0.0.5']", "2.1")
        agg = Aggregator(3600, PrivacyPolicy.make(), {IND: pattern})
        agg.add(conn(T0), [IND])
        (tally,) = agg.tallies()
        assert tally.count == 1
        assert tally.observables == {}

    def test_an_indicator_seen_later_claims_a_value_judged_before(self) -> None:
        """A value already judged for one indicator is judged again for a newer one."""
        other = "indicator--0b7c1b7e-2a4d-4c8e-9d0f-3e5a7b9c1d2e"
        patterns = {
            IND: ("[ipv4-addr:value = '203.0.113.9']", "2.1"),
            other: ("[ipv4-addr:value = '198.51.100.7']", "2.1"),
        }
        agg = Aggregator(3600, PrivacyPolicy.make(), patterns)
        agg.add(conn(T0, src="198.51.100.7"), [IND])
        agg.add(conn(T0 + 1, src="198.51.100.7"), [IND, other])
        shared = {
            t.indicator_id: [o["value"] for o in t.observables.values()] for t in agg.tallies()
        }
        assert shared == {IND: ["203.0.113.9"], other: ["198.51.100.7"]}


class TestObjects:
    """sighting_objects builds valid STIX 2.1 sighting, observed-data and SCOs."""

    def test_valid_for_both_validators(self) -> None:
        """The objects pass stixhub's validator and the OASIS stix2 parser."""
        agg = Aggregator(
            3600, PrivacyPolicy.make(), {IND: ("[ipv4-addr:value = '203.0.113.9']", "2.1")}
        )
        agg.add(conn(T0 + 5), [IND])
        (tally,) = agg.tallies()
        objects = sighting_objects(
            sighting=sighting_id(IDENTITY, IND, tally.start, 3600),
            indicator_id=IND,
            identity_id=IDENTITY,
            created="2024-03-01T11:00:00.000000Z",
            modified="2024-03-01T11:00:00.000000Z",
            count=MAX_COUNT + 5,
            first=tally.first,
            last=tally.last,
            observables=list(tally.observables.values()),
            marking_id="marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        )
        assert [o["type"] for o in objects] == ["sighting", "observed-data", "ipv4-addr"]
        assert objects[0]["count"] == MAX_COUNT
        assert objects[0]["observed_data_refs"] == [objects[1]["id"]]
        assert objects[1]["object_refs"] == [objects[2]["id"]]
        validator = Validator(ValidationOptions(strict=False))
        for obj in objects:
            errors = [f for f in validator.validate_object(obj) if f.severity == "error"]
            assert errors == [], errors
            stix2.parse(obj, allow_custom=False)
