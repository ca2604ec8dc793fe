"""Events: the observed-data they become, and their timestamps."""

from hypothesis import given
from hypothesis import strategies as st

from stixhub.sensor import Event, stix_time
from stixhub.stix import format_taxii_timestamp, parse_rfc3339_micros
from stixhub.stix.patterns import PatternIndex

INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--5d2dd2b4-6a8c-4f4e-9f2f-1b1a8a0c2f11",
    "created": "2020-01-01T00:00:00Z",
    "modified": "2020-01-01T00:00:00Z",
    "pattern": (
        "[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]"
    ),
    "pattern_type": "stix",
    "valid_from": "2020-01-01T00:00:00Z",
}


class TestEvent:
    """An event is a cheap record that PatternIndex can match as observed-data."""

    def test_observed_data_is_what_the_index_matches(self) -> None:
        """The observed-data of an event with a connection matches a pattern over its refs."""
        event = Event(
            1_672_843_056_913_119,
            {
                "0": {"type": "ipv4-addr", "value": "10.0.0.1"},
                "1": {"type": "ipv4-addr", "value": "198.51.100.7"},
                "2": {
                    "type": "network-traffic",
                    "src_ref": "0",
                    "dst_ref": "1",
                    "dst_port": 443,
                    "protocols": ["tcp"],
                },
            },
            "conn.log",
            9,
            "zeek.conn",
        )
        observed = event.observed_data()
        assert observed["first_observed"] == "2023-01-04T14:37:36.913119Z"
        assert observed["last_observed"] == observed["first_observed"]
        assert observed["number_observed"] == 1
        assert observed["objects"] is event.objects
        assert PatternIndex([INDICATOR]).match(observed) == [INDICATOR["id"]]

    def test_an_event_before_the_indicator_is_valid_does_not_match(self) -> None:
        """The event's time is the observation window the index checks validity against."""
        event = Event(0, {"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}, "f", 1)
        pattern = "[ipv4-addr:value = '198.51.100.7']"
        assert PatternIndex([{**INDICATOR, "pattern": pattern}]).match(event.observed_data()) == []

    def test_kind_defaults_to_empty(self) -> None:
        """An event made without a log kind says so with an empty string."""
        assert Event(0, {}, "f", 1).kind == ""


class TestStixTime:
    """stix_time writes the same text as the TAXII formatter, whatever the call order."""

    @given(st.lists(st.integers(0, 253402300799 * 1_000_000 + 999_999), max_size=20))
    def test_same_as_taxii_formatter(self, values: list[int]) -> None:
        """The one-second cache never gives the text of another second."""
        for micros in values:
            text = stix_time(micros)
            assert text == format_taxii_timestamp(micros)
            assert parse_rfc3339_micros(text) == micros
