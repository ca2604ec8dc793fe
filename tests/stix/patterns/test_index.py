"""Tests of PatternIndex: candidate lookup, validity, versions, and agreement with match."""

import random
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stixhub.stix import parse_rfc3339_micros
from stixhub.stix.patterns import (
    CompiledPattern,
    ObservationError,
    PatternError,
    PatternIndex,
    PatternLimitError,
    PatternSyntaxError,
    _index,
    match,
)

_COMPILED = _index._speedups


@pytest.fixture(autouse=True, scope="module", params=["c-loop", "python-loop"])
def loop(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here runs on the C loop (``_speedups.c``) and on the pure-Python loop.

    The C loop is built by ``pip install`` where a C compiler is present (scripts/test's
    machine has one); without it the "c-loop" tests skip, and a strict run (CI) fails.
    """
    if request.param == "c-loop" and _COMPILED is None:
        pytest.skip("stixhub.stix.patterns._speedups is not built (no C compiler at install)")
    _index._speedups = _COMPILED if request.param == "c-loop" else None
    yield request.param
    _index._speedups = _COMPILED


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


class TestRevocation:
    def test_older_version_after_revocation_is_refused(self) -> None:
        """A non-revoked version older than the revoked one does not bring the id back."""
        index = PatternIndex([_indicator(1, "[url:value = 'u']")])
        index.add(_indicator(1, "[url:value = 'u']", modified="2024-05-01T00:00:00Z", revoked=True))
        assert not index.add(_indicator(1, "[url:value = 'u']", modified="2024-01-01T00:00:00Z"))
        assert not index.add(_indicator(1, "[url:value = 'v']", modified="2024-05-01T00:00:00Z"))
        assert "indicator--1" not in index
        assert index.match(_event({"type": "url", "value": "u"})) == []
        assert index.revoked == {"indicator--1": "2024-05-01T00:00:00Z"}

    def test_newer_version_cannot_unrevoke(self) -> None:
        """Revoking is permanent (STIX 2.1 section 3.2): a later non-revoked version is refused."""
        index = PatternIndex(
            [_indicator(1, "[url:value = 'u']", modified="2024-05-01T00:00:00Z", revoked=True)]
        )
        assert not index.add(_indicator(1, "[url:value = 'u']", modified="2024-09-01T00:00:00Z"))
        assert index.match(_event({"type": "url", "value": "u"})) == []

    def test_revocation_arriving_late_still_revokes(self) -> None:
        """A revoked version older than the indexed one removes the id: order does not matter."""
        versions = [
            _indicator(1, "[url:value = 'u']", modified="2024-01-01T00:00:00Z"),
            _indicator(1, "[url:value = 'u']", modified="2024-03-01T00:00:00Z", revoked=True),
            _indicator(1, "[url:value = 'u']", modified="2024-05-01T00:00:00Z"),
        ]
        for order in ([0, 1, 2], [0, 2, 1], [2, 1, 0], [1, 0, 2], [2, 0, 1]):
            index = PatternIndex(versions[i] for i in order)
            assert "indicator--1" not in index, order
            assert index.match(_event({"type": "url", "value": "u"})) == [], order

    def test_other_ids_are_not_affected(self) -> None:
        """Revoking one id leaves another id with the same pattern matching."""
        index = PatternIndex(_indicator(i, "[url:value = 'u']") for i in (1, 2))
        index.add(_indicator(1, "[url:value = 'u']", modified="2024-05-01T00:00:00Z", revoked=True))
        assert index.match(_event({"type": "url", "value": "u"})) == ["indicator--2"]


class TestRefusedAndUndecided:
    def test_constructor_skips_a_pattern_that_does_not_compile(self) -> None:
        """One bad pattern among good ones is skipped and reported with its reason."""
        index = PatternIndex(
            [
                _indicator(1, "[url:value = 'u']"),
                _indicator(2, "[url:value = 'C:\\Windows']"),
                _indicator(3, "[url:value MATCHES '(']"),
                _indicator(4, "[domain-name:value = 'd']"),
            ]
        )
        assert len(index) == 2
        assert set(index.refused) == {"indicator--2", "indicator--3"}
        reason = index.refused["indicator--2"]
        assert reason.startswith("PatternSyntaxError at column 17: invalid escape")
        assert index.match(_event({"type": "url", "value": "u"})) == ["indicator--1"]

    def test_extend_returns_what_it_refused(self) -> None:
        """extend returns the refused ids of that call; a later good version clears the id."""
        index = PatternIndex([_indicator(1, "[url:value = 'u']")])
        refused = index.extend(
            [_indicator(2, "[url:value = ]"), _indicator(3, "[url:value = 'w']")]
        )
        assert list(refused) == ["indicator--2"]
        assert "expected a constant" in refused["indicator--2"]
        assert index.add(_indicator(2, "[url:value = 'v']"))
        assert index.refused == {}
        assert index.match(_event({"type": "url", "value": "v"})) == ["indicator--2"]

    def test_add_still_raises(self) -> None:
        """A single add of a bad pattern raises, so a caller adding one indicator sees why."""
        with pytest.raises(PatternSyntaxError):
            PatternIndex().add(_indicator(1, "[url:value = 'u'"))

    def test_limit_error_is_counted_not_reported_as_no_match(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A pattern that hits the work limit is left out of the answer and counted undecided."""

        def too_much(self: CompiledPattern, observations: Any) -> Any:
            raise PatternLimitError("pattern needs too many search steps")

        index = PatternIndex(
            [
                _indicator(1, "[url:value = 'u' AND url:value != 'x']"),
                _indicator(2, "[url:value = 'u']"),
            ]
        )
        event = _event({"type": "url", "value": "u"})
        assert index.match(event) == ["indicator--1", "indicator--2"]
        monkeypatch.setattr(CompiledPattern, "match_observations", too_much)
        assert index.match(event) == ["indicator--2"]
        assert index.match(event) == ["indicator--2"]
        assert index.undecided == {"indicator--1": 2}


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

    def test_in_list_of_booleans_is_direct_and_never_meets_a_number(self) -> None:
        """IN (true) is = true for each item: answered by the tables, and 1 is not true."""
        index = PatternIndex([_indicator(1, "[x-t:v IN (true)]"), _indicator(2, "[x-t:v IN (1)]")])
        assert all(entry.compiled is None for entry in index._entries.values())
        assert index.match(_event({"type": "x-t", "v": True})) == ["indicator--1"]
        assert index.match(_event({"type": "x-t", "v": 1})) == ["indicator--2"]
        assert index.match(_event({"type": "x-t", "v": 1.0})) == ["indicator--2"]

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
            index.add(_indicator(2, pattern, spec_version="2.1"))
        assert "indicator--2" not in index

    def test_bundle_events_match_like_embedded_ones(self) -> None:
        """A STIX 2.1 bundle with SCOs by reference finds the same indicators."""
        index = PatternIndex([_indicator(1, "[domain-name:value LIKE '%.evil.example']")])
        assert index.match(_bundle({"type": "domain-name", "value": "a.evil.example"})) == [
            "indicator--1"
        ]


class TestCidrCoarseMap:
    def _table(self, index: PatternIndex) -> Any:
        return index._tables["ipv4-addr", "ipv4-addr:value"]

    def test_ranges_of_many_lengths_are_found_through_the_coarse_map(self) -> None:
        """Ranges /8 to /32 in and around one /16 each match exactly the addresses inside."""
        ranges = ["10.0.0.0/8", "10.1.0.0/16", "10.1.16.0/20", "10.1.17.0/24", "10.1.17.16/28"]
        ranges += ["10.1.17.20/32", "10.2.0.0/16", "2001:db8::/48", "2001:db8:0:1::/64"]
        index = PatternIndex(
            _indicator(i, f"[ipv4-addr:value ISSUBSET '{r}']") for i, r in enumerate(ranges)
        )
        index.add(_indicator(9, "[ipv6-addr:value ISSUBSET '2001:db8::/48']"))
        table = self._table(index)
        assert set(table.coarse[4]) == {0x0A01, 0x0A02}  # the /16 and longer ranges
        for address, expected in [
            ("10.1.17.20", [0, 1, 2, 3, 4, 5]),
            ("10.1.17.1", [0, 1, 2, 3]),
            ("10.1.32.1", [0, 1]),
            ("10.2.200.1", [0, 6]),
            ("10.3.0.1", [0]),
            ("11.1.17.20", []),
            ("2001:db8:0:1::1", [7, 8]),
            ("2001:db8:0:2::1", [7]),
        ]:
            event = _event({"type": "ipv4-addr", "value": address})
            assert index.match(event) == [f"indicator--{i}" for i in expected], address
            expected_by_matcher = [
                f"indicator--{i}"
                for i, r in enumerate(ranges)
                if _matches(f"[ipv4-addr:value ISSUBSET '{r}']", event)
            ]
            assert index.match(event) == expected_by_matcher

    def test_coarse_map_follows_removals(self) -> None:
        """A range shared by two indicators stays until both are gone; then the map is empty."""
        index = PatternIndex(
            [
                _indicator(1, "[ipv4-addr:value ISSUBSET '10.1.2.0/24']"),
                _indicator(2, "[ipv4-addr:value ISSUBSET '10.1.2.0/24']"),
                _indicator(3, "[ipv4-addr:value ISSUBSET '10.1.3.0/24']"),
                _indicator(4, "[ipv4-addr:value ISSUBSET '10.1.128.0/17']"),
            ]
        )
        table = self._table(index)
        later = "2024-02-01T00:00:00Z"
        index.add(_indicator(1, "[url:value = 'u']", modified=later))
        event = _event({"type": "ipv4-addr", "value": "10.1.2.9"})
        assert index.match(event) == ["indicator--2"]
        index.add(_indicator(2, "[url:value = 'u']", modified=later))
        assert index.match(event) == []
        assert index.match(_event({"type": "ipv4-addr", "value": "10.1.3.9"})) == ["indicator--3"]
        index.add(_indicator(3, "[url:value = 'u']", modified=later))
        assert table.coarse[4] == {0x0A01: [(15, table.cidr[4, 17])]}
        index.add(_indicator(4, "[url:value = 'u']", modified=later))
        assert (table.coarse[4], table.coarse_keys[4], table.coarse_counts) == ({}, set(), {})
        index.add(_indicator(5, "[ipv4-addr:value ISSUBSET '10.1.2.0/24']"))
        index.add(_indicator(6, "[ipv4-addr:value ISSUBSET '10.1.2.0/25']"))
        assert index.match(event) == ["indicator--5", "indicator--6"]


class TestLikeWindows:
    def test_prefixes_end_only_where_a_group_length_allows(self) -> None:
        """Prefixes ending in '/' of two lengths are found in a URL with many slashes."""
        index = PatternIndex(
            [
                _indicator(1, "[url:value LIKE 'http://a/%']"),
                _indicator(2, "[url:value LIKE 'http://a/b/c/d/%']"),
                _indicator(3, "[url:value LIKE 'http://a/b/x/%']"),
            ]
        )
        assert index.match(_event({"type": "url", "value": "http://a/b/c/d/e/f/g"})) == [
            "indicator--1",
            "indicator--2",
        ]
        assert index.match(_event({"type": "url", "value": "http://a"})) == []
        assert index.match(_event({"type": "url", "value": "http://a/"})) == ["indicator--1"]

    def test_suffixes_start_only_where_a_group_length_allows(self) -> None:
        """Suffixes starting with '.' are found in a name with many dots, and not elsewhere."""
        index = PatternIndex(
            [
                _indicator(1, "[domain-name:value LIKE '%.b.example']"),
                _indicator(2, "[domain-name:value LIKE '%.example']"),
                _indicator(3, "[domain-name:value LIKE '%.a.b.example.test']"),
            ]
        )
        assert index.match(_event({"type": "domain-name", "value": "x.y.a.b.example"})) == [
            "indicator--1",
            "indicator--2",
        ]
        assert index.match(_event({"type": "domain-name", "value": ".example"})) == ["indicator--2"]
        assert index.match(_event({"type": "domain-name", "value": "example"})) == []

    def test_frequent_character_probes_the_lengths_instead(self) -> None:
        """A text full of the group's character still finds exactly its prefixes and suffixes."""
        index = PatternIndex(
            [
                _indicator(1, "[x-t:v LIKE 'aa%']"),
                _indicator(2, "[x-t:v LIKE 'aaaa%']"),
                _indicator(3, "[x-t:v LIKE '%aaa']"),
                _indicator(4, "[x-t:v LIKE 'aaaaaaaaaaaa%']"),
            ]
        )
        event = _event({"type": "x-t", "v": "a" * 9})
        assert index.match(event) == ["indicator--1", "indicator--2", "indicator--3"]
        assert index.match(_event({"type": "x-t", "v": "aab"})) == ["indicator--1"]


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
    "10.1.0.1", "10.0.0.3", "2001:db8:0:1::5",
    "fe80::1%eth0", "not-an-ip", "010.0.0.1", 1, 1.0, 2, True, False, None, ["a"], {"a": "a"},
    "10.0.0.1\x00", "2001:db8:0:1::5:0", "::ffff:10.0.0.1", b"ab", MappingProxyType({"a": "ab"}),
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
    "[t:v IN (true, false)]",
    "[t:v IN (false)] OR [t:h.a IN ('{1}', '{0}')]",
    "[t:v ISSUBSET '10.0.0.0/16']",
    "[t:v ISSUBSET '10.0.0.1']",
    "[t:v ISSUBSET '2001:db8::/32']",
    "[t:v ISSUBSET '10.0.0.0/8']",
    "[t:v ISSUBSET '10.0.0.0/24']",
    "[t:v ISSUBSET '10.1.0.0/17']",
    "[t:v ISSUBSET '10.0.0.0/30']",
    "[t:v ISSUBSET '2001:db8::/48']",
    "[t:v ISSUBSET '2001:db8:0:1::/64']",
    "[t:v ISSUBSET '2001:db8:0:1::/100']",
    "[t:v ISSUBSET '2001:db8:0:1::5/128']",
    "[t:v ISSUBSET '0.0.0.0/0']",
    "[t:w ISSUBSET '10.0.0.0/16'] OR [t:w ISSUBSET '10.1.0.0/16']",
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


def _object(rng: random.Random) -> Any:
    obj: dict[str, Any] = {"type": rng.choice(["t", "t", "u"])}
    for key in ("v", "w"):
        if rng.random() < 0.85:
            obj[key] = rng.choice(_DATA)
    if rng.random() < 0.5:
        obj["h"] = {"a": rng.choice(_DATA)} if rng.random() < 0.8 else rng.choice(_DATA)
    if rng.random() < 0.3:
        obj["x_hex"] = rng.choice(["6162", "zz", "", "616263"])
    # Another Mapping than dict takes the loops' general path (the C loop calls back).
    return MappingProxyType(obj) if rng.random() < 0.1 else obj


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
        revoked: set[int] = set()
        for step in range(12):
            number = rng.randrange(5)
            pattern = rng.choice(_TEMPLATES).format(rng.choice(_PIECES), rng.choice(_PIECES))
            modified = f"2024-01-01T00:00:{step + 1:02d}Z"
            if rng.random() < 0.2:
                index.add(_indicator(number, pattern, modified=modified, revoked=True))
                current.pop(number, None)
                revoked.add(number)
            elif number not in revoked:  # revoking is permanent
                index.add(_indicator(number, pattern, modified=modified))
                current[number] = pattern
            else:
                assert not index.add(_indicator(number, pattern, modified=modified))
        event = _event(*(_object(rng) for _ in range(rng.randint(1, 4))))
        expected = sorted(f"indicator--{n}" for n, p in current.items() if _matches(p, event))
        assert index.match(event) == expected


@pytest.mark.skipif(_COMPILED is None, reason="stixhub.stix.patterns._speedups is not built")
class TestCLoopAgainstPythonLoop:
    @settings(max_examples=80, deadline=None)
    @given(st.integers(min_value=0, max_value=2**32))
    def test_candidates_are_the_same(self, seed: int) -> None:
        """The C loop finds the same candidates and unreadable paths as the Python loop."""
        rng = random.Random(seed)
        patterns = [
            rng.choice(_TEMPLATES).format(rng.choice(_PIECES), rng.choice(_PIECES))
            for _ in range(12)
        ]
        index = PatternIndex(_indicator(i, p) for i, p in enumerate(patterns))
        event = _event(*(_object(rng) for _ in range(rng.randint(1, 5))))
        index._fast = _COMPILED.candidates
        with_c = index._candidates(event)
        index._fast = None
        assert index._candidates(event) == with_c


class TestMatchObjects:
    @settings(max_examples=80, deadline=None)
    @given(st.integers(min_value=0, max_value=2**32))
    def test_same_answer_as_match_on_the_observed_data(self, seed: int) -> None:
        """match_objects(objects, t) is match() of the observed-data object they make."""
        rng = random.Random(seed)
        patterns = [
            rng.choice(_TEMPLATES).format(rng.choice(_PIECES), rng.choice(_PIECES))
            for _ in range(10)
        ]
        index = PatternIndex(_indicator(i, p) for i, p in enumerate(patterns))
        objects = [_object(rng) for _ in range(rng.randint(1, 4))]
        at = rng.choice(["2023-06-01T00:00:00.000000Z", "2024-06-01T00:00:00.250000Z"])
        event = _event(*objects, at=at)
        micros = parse_rfc3339_micros(at)
        assert index.match_objects(event["objects"], micros) == index.match(event)

    def test_a_window_is_honoured_and_a_reversed_one_refused(self) -> None:
        index = PatternIndex(
            [_indicator(1, "[url:value = 'u']", valid_until="2024-03-01T00:00:00Z")]
        )
        objects = {"0": {"type": "url", "value": "u"}}
        before = parse_rfc3339_micros("2024-02-01T00:00:00Z")
        after = parse_rfc3339_micros("2024-04-01T00:00:00Z")
        assert index.match_objects(objects, before) == ["indicator--1"]
        assert index.match_objects(objects, after) == []
        assert index.match_objects(objects, before, after) == ["indicator--1"]
        with pytest.raises(ObservationError):
            index.match_objects(objects, after, before)
