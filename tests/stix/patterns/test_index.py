"""Tests of PatternIndex: candidate lookup, validity, versions, and agreement with match."""

import random
from typing import Any

import pytest
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


class TestTables:
    def test_like_prefix_suffix_and_exact_are_found_by_the_tables(self) -> None:
        """LIKE 'x%', '%x' and a LIKE without wildcard match through the tables."""
        index = PatternIndex(
            [
                _indicator(1, "[url:value LIKE 'http://evil.example/%']"),
                _indicator(2, "[domain-name:value LIKE '%.evil.example']"),
                _indicator(3, "[domain-name:value LIKE 'exact.example']"),
                _indicator(4, "[domain-name:value LIKE '%.other.example']"),
            ]
        )
        event = _event(
            {"type": "url", "value": "http://evil.example/a/b"},
            {"type": "domain-name", "value": "x.y.evil.example"},
            {"type": "domain-name", "value": "exact.example"},
        )
        assert index.match(event) == ["indicator--1", "indicator--2", "indicator--3"]
        assert index.match(_event({"type": "domain-name", "value": "evil.example"})) == []

    def test_direct_indicators_keep_no_compiled_matcher(self) -> None:
        """Single comparisons and ORs of them are answered by the tables, so none is compiled."""
        index = PatternIndex(
            [
                _indicator(
                    1, "[ipv4-addr:value = '10.0.0.1' OR ipv4-addr:value ISSUBSET '10.1.0.0/16']"
                ),
                _indicator(2, "[file:hashes.MD5 IN ('aa', 'bb')] OR [url:value LIKE 'http://x/%']"),
                _indicator(3, "[file:name = 'a' AND file:size = 1]"),
            ]
        )
        compiled = {i: e.compiled is not None for i, e in index._entries.items()}
        assert compiled == {"indicator--1": False, "indicator--2": False, "indicator--3": True}

    def test_removed_anchors_leave_the_tables(self) -> None:
        """After a newer version replaces a LIKE or CIDR pattern, the old anchors match nothing."""
        index = PatternIndex(
            [
                _indicator(1, "[domain-name:value LIKE '%.old.example']"),
                _indicator(2, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"),
            ]
        )
        index.add(_indicator(1, "[url:value = 'u']", modified="2024-02-01T00:00:00Z"))
        index.add(_indicator(2, "[url:value = 'v']", modified="2024-02-01T00:00:00Z"))
        event = _event(
            {"type": "domain-name", "value": "a.old.example"},
            {"type": "ipv4-addr", "value": "10.1.2.3"},
        )
        assert index.match(event) == []
        assert index._by_type.keys() == {"url"}

    def test_unreadable_address_defers_to_the_matcher(self) -> None:
        """An event with a non-address ipv4-addr value gets the matcher's verdict: no match."""
        index = PatternIndex([_indicator(1, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']")])
        event = _event(
            {"type": "ipv4-addr", "value": "10.1.2.3"},
            {"type": "ipv4-addr", "value": "not an address"},
        )
        assert not _matches("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", event)
        assert index.match(event) == []

    def test_event_without_candidates_is_not_validated(self) -> None:
        """An event no indicator points at returns [] without its timestamps being read."""
        index = PatternIndex([_indicator(1, "[url:value = 'u']")])
        event = _event({"type": "url", "value": "other"})
        del event["first_observed"]
        assert index.match(event) == []

    def test_stix_20_indicator_may_use_string_start_stop(self) -> None:
        """An indicator without spec_version (STIX 2.0) may write START/STOP as strings."""
        pattern = "[url:value = 'u'] START '2024-05-01T00:00:00Z' STOP '2024-07-01T00:00:00Z'"
        index = PatternIndex([_indicator(1, pattern)])
        assert index.match(_event({"type": "url", "value": "u"})) == ["indicator--1"]
        with pytest.raises(PatternError):
            PatternIndex([_indicator(2, pattern, spec_version="2.1")])

    def test_bundle_events_match_like_embedded_ones(self) -> None:
        """A STIX 2.1 bundle with SCOs by reference finds the same indicators."""
        index = PatternIndex([_indicator(1, "[domain-name:value LIKE '%.evil.example']")])
        assert index.match(_bundle({"type": "domain-name", "value": "a.evil.example"})) == [
            "indicator--1"
        ]


def _bundle(*objects: dict[str, Any], at: str = "2024-06-01T00:00:00Z") -> dict[str, Any]:
    scos = [{**obj, "id": f"{obj['type']}--{i}"} for i, obj in enumerate(objects)]
    observed = {
        "type": "observed-data",
        "id": "observed-data--e",
        "first_observed": at,
        "last_observed": at,
        "number_observed": 1,
        "object_refs": [sco["id"] for sco in scos],
    }
    return {"type": "bundle", "id": "bundle--e", "objects": [observed, *scos]}


# Values an event may hold, chosen to meet the patterns below on their edges: numbers that
# equal across int and float, true against 1, NFC against decomposed text, CIDR strings and
# unreadable addresses, lists and objects that no constant equals.
_DATA: list[Any] = [
    "a", "ab", "b", "ab.c", "x.ab", "x.ab.c", "\u00e9", "e\u0301", "10.0.0.1", "10.1.0.0",
    "10.0.0.0/24", "10.0.0.0/255.255.0.0", "192.168.1.1", "2001:db8::1", "2001:db8::/40",
    "fe80::1%eth0", "not-an-ip", "010.0.0.1", 1, 1.0, 2, True, False, None, ["a"], {"a": "a"},
]  # fmt: skip
_PIECES = ["a", "ab", "b", ".c", "x.", "\u00e9", "10.0"]
_TEMPLATES = [
    "[t:v = '{0}']",
    "[t:v = 1]",
    "[t:v = 1.0]",
    "[t:v = true]",
    "[t:v IN ('{0}', '{1}')]",
    "[t:v IN (1, 2.0)]",
    "[t:v IN (true)]",
    "[t:v ISSUBSET '10.0.0.0/16']",
    "[t:v ISSUBSET '10.0.0.1']",
    "[t:v ISSUBSET '2001:db8::/32']",
    "[t:v LIKE '{0}%']",
    "[t:v LIKE '%{0}']",
    "[t:v LIKE '{0}']",
    "[t:v LIKE '%']",
    "[t:v LIKE '{0}_%']",
    "[t:v LIKE '%{0}%']",
    "[t:v LIKE '{0}%{1}']",
    "[t:h.a = '{0}']",
    "[t:h.a LIKE '%{0}']",
    "[t:v = b'YWI=']",
    "[t:x_hex = h'6162']",
    "[t:v = '{0}' OR t:w LIKE '{1}%']",
    "[t:v = '{0}' OR t:w ISSUBSET '10.0.0.0/8']",
    "[t:v = '{0}' AND t:w = '{1}']",
    "[t:v = '{0}'] OR [t:w ISSUBSET '10.0.0.0/8']",
    "[t:v = '{0}'] OR [t:w = '{1}']",
    "[t:v = '{0}'] AND [t:w = '{1}']",
    "[t:v = '{0}'] FOLLOWEDBY [t:w LIKE '%{1}']",
    "[t:v = '{0}'] WITHIN 5 SECONDS",
    "[t:v != '{0}']",
    "[t:v NOT LIKE '{0}%']",
    "[t:v > 'a']",
]


def _object(rng: random.Random) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": rng.choice(["t", "t", "u"])}
    for key in ("v", "w"):
        if rng.random() < 0.85:
            obj[key] = rng.choice(_DATA)
    if rng.random() < 0.5:
        obj["h"] = {"a": rng.choice(_DATA)} if rng.random() < 0.8 else rng.choice(_DATA)
    if rng.random() < 0.3:
        obj["x_hex"] = rng.choice(["6162", "zz", "", "616263"])
    return obj


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
            rng.choice(_TEMPLATES).format(rng.choice(_PIECES), rng.choice(_PIECES))
            for _ in range(8)
        ]
        index = PatternIndex(_indicator(i, p) for i, p in enumerate(patterns))
        objects = [_object(rng) for _ in range(rng.randint(1, 4))]
        event = _bundle(*objects) if rng.random() < 0.25 else _event(*objects)
        expected = sorted(f"indicator--{i}" for i, p in enumerate(patterns) if _matches(p, event))
        assert index.match(event) == expected

    @settings(max_examples=30, deadline=None)
    @given(st.integers(min_value=0, max_value=2**32))
    def test_index_agrees_while_indicators_change(self, seed: int) -> None:
        """After new versions and revocations the index still returns what match() finds."""
        rng = random.Random(seed)
        index = PatternIndex()
        current: dict[int, str] = {}
        for step in range(12):
            number = rng.randrange(5)
            pattern = rng.choice(_TEMPLATES).format(rng.choice(_PIECES), rng.choice(_PIECES))
            modified = f"2024-01-01T00:00:{step + 1:02d}Z"
            if rng.random() < 0.2:
                index.add(_indicator(number, pattern, modified=modified, revoked=True))
                current.pop(number, None)
            else:
                index.add(_indicator(number, pattern, modified=modified))
                current[number] = pattern
        event = _event(*(_object(rng) for _ in range(rng.randint(1, 4))))
        expected = sorted(f"indicator--{n}" for n, p in current.items() if _matches(p, event))
        assert index.match(event) == expected
