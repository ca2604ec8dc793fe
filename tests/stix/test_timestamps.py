"""TAXII timestamps (integers of microseconds) and STIX timestamp keys."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stixhub.stix import (
    InvalidTimestamp,
    StixError,
    format_taxii_timestamp,
    parse_rfc3339_micros,
    parse_stix_timestamp_key,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_MICROS = -62135596800 * 1_000_000
MAX_MICROS = 253402300799 * 1_000_000 + 999_999


def micros_of(dt: datetime) -> int:
    """Microseconds since the epoch of an aware datetime, computed by the standard library."""
    delta = dt - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


class TestParseRfc3339Micros:
    """parse_rfc3339_micros reads any RFC 3339 date-time into UTC microseconds."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024-03-01T12:34:56Z", 0),
            ("2024-03-01T12:34:56.1Z", 100_000),
            ("2024-03-01T12:34:56.12Z", 120_000),
            ("2024-03-01T12:34:56.123Z", 123_000),
            ("2024-03-01T12:34:56.1234Z", 123_400),
            ("2024-03-01T12:34:56.12345Z", 123_450),
            ("2024-03-01T12:34:56.123456Z", 123_456),
            ("2024-03-01T12:34:56.1234567Z", 123_456),
            ("2024-03-01T12:34:56.12345678Z", 123_456),
            ("2024-03-01T12:34:56.123456789Z", 123_456),
        ],
    )
    def test_zero_to_nine_fractional_digits(self, text: str, expected: int) -> None:
        """Zero to nine fractional digits are read, digits past the sixth truncated."""
        base = micros_of(datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC))
        assert parse_rfc3339_micros(text) == base + expected

    def test_truncation_floors_before_the_epoch(self) -> None:
        """Dropping digits past microseconds floors the instant, also before 1970."""
        assert parse_rfc3339_micros("1969-12-31T23:59:59.9999999Z") == -1
        assert parse_rfc3339_micros("1970-01-01T00:00:00.0000009Z") == 0

    def test_ten_fractional_digits_refused(self) -> None:
        """More than nine fractional digits are not an accepted timestamp."""
        with pytest.raises(InvalidTimestamp):
            parse_rfc3339_micros("2024-03-01T12:34:56.1234567890Z")

    def test_lower_case_t_and_z_accepted(self) -> None:
        """RFC 3339 allows 't' and 'z' in lower case; they mean the same instant."""
        assert parse_rfc3339_micros("2024-03-01t12:34:56z") == parse_rfc3339_micros(
            "2024-03-01T12:34:56Z"
        )

    @pytest.mark.parametrize(
        ("text", "utc"),
        [
            ("2024-03-01T12:00:00+00:00", "2024-03-01T12:00:00Z"),
            ("2024-03-01T12:00:00-00:00", "2024-03-01T12:00:00Z"),
            ("2024-03-01T12:00:00+05:30", "2024-03-01T06:30:00Z"),
            ("2024-03-01T01:00:00+02:00", "2024-02-29T23:00:00Z"),
            ("2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00Z"),
            ("2024-03-01T12:00:00+23:59", "2024-02-29T12:01:00Z"),
        ],
    )
    def test_offsets_are_converted_to_utc(self, text: str, utc: str) -> None:
        """A numeric UTC offset is subtracted, crossing day, month and year boundaries."""
        assert parse_rfc3339_micros(text) == parse_rfc3339_micros(utc)

    @pytest.mark.parametrize(
        "text",
        [
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-32T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:60:00Z",
            "2024-01-01T23:59:61Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+01:60",
        ],
    )
    def test_impossible_dates_and_times_refused(self, text: str) -> None:
        """Out-of-range months, days, hours, minutes, seconds and offsets are refused."""
        with pytest.raises(InvalidTimestamp):
            parse_rfc3339_micros(text)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
            "2024-1-01T00:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00Z ",
            "2024-01-01T00:00:00Z\n",
            " 2024-01-01T00:00:00Z",
            "12024-01-01T00:00:00Z",
        ],
    )
    def test_malformed_strings_refused(self, text: str) -> None:
        """Strings that are not exactly an RFC 3339 date-time are refused."""
        with pytest.raises(InvalidTimestamp):
            parse_rfc3339_micros(text)

    def test_non_ascii_digits_refused(self) -> None:
        """Digits of other scripts (Arabic-Indic here) are not RFC 3339 digits and are refused."""
        with pytest.raises(InvalidTimestamp):
            parse_rfc3339_micros("\u0662\u0660\u0662\u0664-01-01T00:00:00Z")

    def test_year_zero_refused_as_invalid_timestamp(self) -> None:
        """Year 0000 (outside the datetime range) is refused with InvalidTimestamp."""
        with pytest.raises(InvalidTimestamp):
            parse_rfc3339_micros("0000-01-01T00:00:00Z")

    @pytest.mark.parametrize("year", [1600, 2000, 2024, 2400])
    def test_february_29_of_leap_years_accepted(self, year: int) -> None:
        """February 29 exists in years divisible by 4, except centuries not divisible by 400."""
        expected = micros_of(datetime(year, 2, 29, tzinfo=UTC))
        assert parse_rfc3339_micros(f"{year}-02-29T00:00:00Z") == expected

    @pytest.mark.parametrize("year", [1700, 1800, 1900, 2100, 2023])
    def test_february_29_of_common_years_refused(self, year: int) -> None:
        """February 29 does not exist in common years or in centuries not divisible by 400."""
        with pytest.raises(InvalidTimestamp):
            parse_rfc3339_micros(f"{year}-02-29T00:00:00Z")

    def test_leap_second_folds_onto_next_second(self) -> None:
        """A leap second (:60) reads as the first instant of the next minute."""
        assert parse_rfc3339_micros("2016-12-31T23:59:60Z") == parse_rfc3339_micros(
            "2017-01-01T00:00:00Z"
        )

    def test_invalid_timestamp_is_a_stix_value_error(self) -> None:
        """The error is both a StixError and a ValueError, so callers can catch either."""
        with pytest.raises(StixError) as info:
            parse_rfc3339_micros("yesterday")
        assert isinstance(info.value, ValueError)
        assert "yesterday" in str(info.value)

    @given(
        st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
        st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59),
    )
    def test_agrees_with_datetime_for_any_offset(self, naive: datetime, minutes: int) -> None:
        """For any date-time and whole-minute offset, the result equals datetime's arithmetic."""
        dt = naive.replace(tzinfo=timezone(timedelta(minutes=minutes)))
        text = dt.isoformat(timespec="microseconds")
        assert parse_rfc3339_micros(text) == micros_of(dt)


class TestFormatTaxiiTimestamp:
    """format_taxii_timestamp writes microseconds as six fractional digits and 'Z'."""

    def test_epoch(self) -> None:
        """Zero is the Unix epoch, written with six fractional digits."""
        assert format_taxii_timestamp(0) == "1970-01-01T00:00:00.000000Z"

    def test_before_epoch(self) -> None:
        """Negative values are instants before 1970, with a positive fraction."""
        assert format_taxii_timestamp(-1) == "1969-12-31T23:59:59.999999Z"

    def test_range_ends(self) -> None:
        """The first and last microsecond of years 1 to 9999 are written exactly."""
        assert format_taxii_timestamp(MIN_MICROS) == "0001-01-01T00:00:00.000000Z"
        assert format_taxii_timestamp(MAX_MICROS) == "9999-12-31T23:59:59.999999Z"

    @pytest.mark.parametrize("micros", [MIN_MICROS - 1, MAX_MICROS + 1])
    def test_outside_range_refused(self, micros: int) -> None:
        """Instants outside years 1 to 9999 cannot be written and are refused."""
        with pytest.raises(InvalidTimestamp):
            format_taxii_timestamp(micros)

    @given(st.integers(min_value=MIN_MICROS, max_value=MAX_MICROS))
    def test_round_trip_over_whole_range(self, micros: int) -> None:
        """Formatting then parsing gives back the same microsecond, anywhere in the range."""
        text = format_taxii_timestamp(micros)
        assert parse_rfc3339_micros(text) == micros

    @given(st.integers(min_value=MIN_MICROS, max_value=MAX_MICROS))
    def test_agrees_with_datetime(self, micros: int) -> None:
        """The written form equals datetime's ISO form of the same instant."""
        dt = datetime(1, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros - MIN_MICROS)
        expected = (
            f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:"
            f"{dt.second:02d}.{dt.microsecond:06d}Z"
        )
        assert format_taxii_timestamp(micros) == expected

    @given(st.integers(min_value=MIN_MICROS, max_value=MAX_MICROS))
    def test_parse_format_round_trip_on_text(self, micros: int) -> None:
        """Parsing then formatting a server timestamp returns the same text."""
        text = format_taxii_timestamp(micros)
        assert format_taxii_timestamp(parse_rfc3339_micros(text)) == text


class TestParseStixTimestampKey:
    """parse_stix_timestamp_key gives one comparable key per instant of a STIX timestamp."""

    def test_key_has_nine_digits(self) -> None:
        """The key is the timestamp with exactly nine fractional digits and 'Z'."""
        assert (
            parse_stix_timestamp_key("2020-01-01T00:00:00.5Z") == "2020-01-01T00:00:00.500000000Z"
        )

    @pytest.mark.parametrize(
        "spelling",
        [
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:00:00.0Z",
            "2020-01-01T00:00:00.000Z",
            "2020-01-01T00:00:00.000000Z",
            "2020-01-01T00:00:00.000000000Z",
        ],
    )
    def test_spellings_of_one_instant_share_a_key(self, spelling: str) -> None:
        """'...:00Z', '...:00.000Z' and other spellings of one instant get the same key."""
        assert parse_stix_timestamp_key(spelling) == parse_stix_timestamp_key(
            "2020-01-01T00:00:00Z"
        )

    def test_nanoseconds_distinguished(self) -> None:
        """Instants one nanosecond apart get different, correctly ordered keys."""
        a = parse_stix_timestamp_key("2020-01-01T00:00:00.000000001Z")
        b = parse_stix_timestamp_key("2020-01-01T00:00:00.000000002Z")
        assert a < b

    @pytest.mark.parametrize(
        "text",
        [
            "2020-01-01T00:00:00+00:00",
            "2020-01-01T00:00:00-01:00",
            "2020-01-01T00:00:00z",
            "2020-01-01t00:00:00Z",
            "2020-01-01T00:00:00.1234567890Z",
            "2020-01-01T00:00:00",
            "2020-01-01",
            "2020-02-30T00:00:00Z",
            "2020-13-01T00:00:00Z",
            "2020-01-01T24:00:00Z",
            "0000-01-01T00:00:00Z",
            "\u0662\u0660\u0662\u0660-01-01T00:00:00Z",
        ],
    )
    def test_non_stix_timestamps_refused(self, text: str) -> None:
        """Offsets, lower case, over nine digits, bad dates and non-ASCII digits are refused."""
        with pytest.raises(InvalidTimestamp):
            parse_stix_timestamp_key(text)

    @given(
        st.integers(min_value=MIN_MICROS, max_value=MAX_MICROS),
        st.integers(min_value=0, max_value=999),
        st.integers(min_value=MIN_MICROS, max_value=MAX_MICROS),
        st.integers(min_value=0, max_value=999),
        st.integers(min_value=0, max_value=9),
    )
    def test_key_order_is_instant_order(
        self, a: int, a_nanos: int, b: int, b_nanos: int, digits: int
    ) -> None:
        """Comparing keys as strings orders instants correctly, whatever digits were written."""

        def spell(micros: int, nanos: int) -> tuple[str, int]:
            text = format_taxii_timestamp(micros)[:-1] + f"{nanos:03d}"
            kept = text[: 20 + digits].rstrip(".")
            dropped = 9 - digits
            instant = (micros * 1000 + nanos) // 10**dropped
            return kept + "Z", instant

        text_a, inst_a = spell(a, a_nanos)
        text_b, inst_b = spell(b, b_nanos)
        key_a, key_b = parse_stix_timestamp_key(text_a), parse_stix_timestamp_key(text_b)
        assert (key_a < key_b) == (inst_a < inst_b)
        assert (key_a == key_b) == (inst_a == inst_b)
