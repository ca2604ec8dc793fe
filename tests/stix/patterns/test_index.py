"""Tests of PatternIndex: candidate lookup, validity, versions, and agreement with match."""

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stixhub.stix.patterns import PatternError, PatternIndex, match


def _indicator(number: int, pattern: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "id": f"indicator--{number}",
        "pattern": pattern,
        "pattern_type": "stix",
        "modified": extra.pop("modified", "2024-01-01T00:00:00Z"),
        "valid_from": "2024-01-01T00:00:00Z",
        **extra,
    }


def _event(*objects: dict[str, Any], at: str = "2024-06-01T00:00:00Z") -> dict[str, Any]:
    return {
        "type": "observed-data",
        "id": "observed-data--e",
        "first_observed": at,
        "last_observed": at,
        "number_observed": 1,
        "objects": {str(i): obj for i, obj in enumerate(objects)},
    }


class TestPatternIndex:
    def test_exact_cidr_and_fallback_patterns_are_found(self) -> None:
        """Hash equality, CIDR ranges and LIKE (via the general matcher) all match."""
        index = PatternIndex(
            [
                _indicator(1, "[file:hashes.MD5 = 'aa']"),
                _indicator(2, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"),
                _indicator(3, "[domain-name:value LIKE '%.evil.example']"),
                _indicator(4, "[file:hashes.MD5 = 'bb']"),
            ]
        )
        event = _event(
            {"type": "file", "hashes": {"MD5": "aa"}},
            {"type": "ipv4-addr", "value": "10.2.3.4"},
            {"type": "domain-name", "value": "x.evil.example"},
        )
        assert index.match(event) == ["indicator--1", "indicator--2", "indicator--3"]

    def test_validity_window_is_honoured(self) -> None:
        """An indicator does not match events outside valid_from..valid_until."""
        index = PatternIndex(
            [_indicator(1, "[url:value = 'u']", valid_until="2024-02-01T00:00:00Z")]
        )
        assert index.match(_event({"type": "url", "value": "u"})) == []
        early = _event({"type": "url", "value": "u"}, at="2024-01-15T00:00:00Z")
        assert index.match(early) == ["indicator--1"]

    def test_newer_version_replaces_and_older_is_ignored(self) -> None:
        """A newer modified replaces the pattern in place; an older version changes nothing."""
        index = PatternIndex([_indicator(1, "[url:value = 'old']")])
        assert index.add(_indicator(1, "[url:value = 'new']", modified="2024-03-01T00:00:00Z"))
        assert not index.add(
            _indicator(1, "[url:value = 'older']", modified="2023-01-01T00:00:00Z")
        )
        assert index.match(_event({"type": "url", "value": "old"})) == []
        assert index.match(_event({"type": "url", "value": "new"})) == ["indicator--1"]

    def test_revoked_version_removes_the_indicator(self) -> None:
        """A revoked newer version takes the indicator out of the index."""
        index = PatternIndex([_indicator(1, "[url:value = 'u']")])
        index.add(_indicator(1, "[url:value = 'u']", modified="2024-05-01T00:00:00Z", revoked=True))
        assert "indicator--1" not in index
        assert index.match(_event({"type": "url", "value": "u"})) == []


_VALUES = ["a", "b", "10.0.0.1", "10.1.0.0", "192.168.1.1"]
_TEMPLATES = [
    "[t:v = '{0}']",
    "[t:v IN ('{0}', '{1}')]",
    "[t:v ISSUBSET '10.0.0.0/16']",
    "[t:v = '{0}' OR t:w = '{1}']",
    "[t:v = '{0}' AND t:w = '{1}']",
    "[t:v LIKE '{0}%']",
    "[t:v != '{0}']",
    "[t:v = '{0}'] OR [t:w = '{1}']",
]


def _matches(pattern: str, event: dict[str, Any]) -> bool:
    """The matcher's verdict, with malformed event data counting as no match as in the index."""
    try:
        return match(pattern, event).matched
    except PatternError:
        return False


class TestAgreementWithMatcher:
    @settings(max_examples=60, deadline=None)
    @given(st.integers(min_value=0, max_value=2**32))
    def test_index_and_matcher_agree(self, seed: int) -> None:
        """For generated indicators and events the index returns exactly what match() finds."""
        rng = random.Random(seed)
        patterns = [
            rng.choice(_TEMPLATES).format(rng.choice(_VALUES), rng.choice(_VALUES))
            for _ in range(8)
        ]
        index = PatternIndex(_indicator(i, p) for i, p in enumerate(patterns))
        event = _event(
            *(
                {"type": "t", "v": rng.choice(_VALUES), "w": rng.choice(_VALUES)}
                for _ in range(rng.randint(1, 3))
            )
        )
        expected = sorted(f"indicator--{i}" for i, p in enumerate(patterns) if _matches(p, event))
        assert index.match(event) == expected
