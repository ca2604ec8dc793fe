"""Indicators in force: latest versions, validity windows, revocation and filters."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from stixhub.stix import InvalidTimestamp
from stixhub.stix.indicators import (
    active_indicators,
    has_labels,
    is_active,
    latest_versions,
    meets_confidence,
    modified_since,
    timestamp_key,
)

ID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def ind(**extra: Any) -> dict[str, Any]:
    """One indicator version valid from 2024-01-01, with properties overridden."""
    base: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ID,
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "pattern": "[ipv4-addr:value = '203.0.113.5']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    base.update(extra)
    return base


class TestLatestVersions:
    """latest_versions keeps one object per id, the one with the greatest modified."""

    def test_latest_wins_whatever_the_order(self) -> None:
        """The newest version is kept whether it comes first or last."""
        old, new = ind(), ind(modified="2024-02-01T00:00:00.5Z", name="new")
        assert latest_versions([old, new]) == [new]
        assert latest_versions([new, old]) == [new]

    def test_same_instant_spelled_differently(self) -> None:
        """Two spellings of one instant are one version; the first seen stays."""
        a, b = ind(name="a"), ind(modified="2024-01-01T00:00:00.000Z", name="b")
        assert latest_versions([a, b]) == [a]

    def test_objects_without_id_are_dropped(self) -> None:
        """An object with no string id cannot be versioned and is left out."""
        assert latest_versions([{"type": "indicator"}, {"id": 3}]) == []


class TestActive:
    """An indicator holds when valid_from <= T < valid_until and it is not revoked."""

    def test_window_bounds(self) -> None:
        """valid_from is inclusive, valid_until exclusive."""
        obj = ind(valid_from="2024-06-01T12:00:00Z", valid_until="2024-06-01T13:00:00Z")
        assert is_active(obj, timestamp_key(NOW))
        assert is_active(obj, timestamp_key(NOW + timedelta(minutes=59)))
        assert not is_active(obj, timestamp_key(NOW + timedelta(hours=1)))
        assert not is_active(obj, timestamp_key(NOW - timedelta(microseconds=1)))

    def test_revoked_and_other_types(self) -> None:
        """A revoked indicator and a non-indicator object are never active."""
        assert not is_active(ind(revoked=True), timestamp_key(NOW))
        assert not is_active({**ind(), "type": "malware"}, timestamp_key(NOW))

    def test_unreadable_times_are_not_active(self) -> None:
        """A missing or malformed valid_from, or a malformed valid_until, is not active."""
        no_start = ind()
        del no_start["valid_from"]
        assert not is_active(no_start, timestamp_key(NOW))
        assert not is_active(ind(valid_from="yesterday"), timestamp_key(NOW))
        assert not is_active(ind(valid_until=None), timestamp_key(NOW))

    def test_revoked_latest_hides_older_versions(self) -> None:
        """When the latest version is revoked, no older version stands in for it."""
        objs = [ind(), ind(modified="2024-03-01T00:00:00Z", revoked=True)]
        assert active_indicators(objs, NOW) == []

    def test_expired_latest_hides_older_versions(self) -> None:
        """A newer version that ended its validity ends the indicator."""
        objs = [ind(), ind(modified="2024-03-01T00:00:00Z", valid_until="2024-04-01T00:00:00Z")]
        assert active_indicators(objs, NOW) == []
        assert active_indicators(objs, "2024-03-15T00:00:00Z") == [objs[1]]

    def test_only_indicators_returned(self) -> None:
        """Other object types in the input are skipped."""
        other = {"type": "identity", "id": "identity--1", "modified": "2024-01-01T00:00:00Z"}
        assert active_indicators([other, ind()], NOW) == [ind()]


class TestFilters:
    """Confidence, labels and modified-since filters."""

    def test_confidence(self) -> None:
        """A floor keeps confidence >= floor; an unknown confidence only passes a floor of 0."""
        assert meets_confidence(ind(confidence=80), 80)
        assert not meets_confidence(ind(confidence=79), 80)
        assert not meets_confidence(ind(), 1)
        assert meets_confidence(ind(), 0)
        assert not meets_confidence(ind(confidence=True), 1)

    def test_labels(self) -> None:
        """Every label asked for must be present."""
        obj = ind(labels=["malicious-activity", "c2"])
        assert has_labels(obj, ["c2"])
        assert has_labels(obj, ["c2", "malicious-activity"])
        assert not has_labels(obj, ["c2", "phishing"])
        assert not has_labels(ind(), ["c2"])
        assert has_labels(ind(), [])

    def test_modified_since_is_inclusive(self) -> None:
        """A version modified exactly at the bound counts as modified since it."""
        obj = ind(modified="2024-06-01T12:00:00Z")
        assert modified_since(obj, NOW)
        assert not modified_since(obj, NOW + timedelta(microseconds=1))
        assert modified_since(obj, "2024-06-01T11:59:59.999999999Z")

    def test_timestamp_key_of_datetimes(self) -> None:
        """An aware datetime in any zone gives the key of the same UTC instant."""
        here = datetime(2024, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
        assert timestamp_key(here) == timestamp_key("2024-06-01T12:00:00Z")
        with pytest.raises(InvalidTimestamp):
            timestamp_key(datetime(2024, 6, 1))
