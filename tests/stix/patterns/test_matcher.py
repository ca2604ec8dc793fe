"""Tests of the matcher against stix2-matcher's recorded results and the bug-report cases."""

from typing import Any

import pytest

from stixhub.stix.patterns import PatternError, match

from ._corpus import load, matcher_cases


def _verdict(pattern: str, observed: Any) -> object:
    try:
        return match(pattern, observed).matched
    except PatternError:
        return "error"


class TestReferenceCorpus:
    @pytest.mark.parametrize(
        ("pattern", "observed", "expected"),
        [pytest.param(p, o, e, id=n) for n, p, o, e in matcher_cases()],
    )
    def test_same_result_as_stix2_matcher(
        self, pattern: str, observed: Any, expected: object
    ) -> None:
        """The matcher gives stix2-matcher's result (match, no match or error) on every case."""
        assert _verdict(pattern, observed) == expected

    def test_corpus_has_all_cases(self) -> None:
        """The corpus run above covers all 423 recorded matcher cases."""
        assert len(matcher_cases()) == 423


class TestBugReportCases:
    def test_backslashes_are_unescaped_once(self) -> None:
        """A spec-escaped Windows path matches and an over-escaped one does not (B28)."""
        case = load("cases/B28.json")
        for name, expected in case["expected"].items():
            pattern = case["input"]["patterns"][name]
            assert match(pattern, case["input"]["observed"]).matched is expected["match"]

    def test_and_binds_to_one_object_and_single_object_input_works(self) -> None:
        """AND inside [...] binds to one file; a bare observed-data equals its bundle (B30)."""
        case = load("cases/B30.json")
        for name in ("same_file", "split_across_files"):
            pattern = case["input"]["patterns"][name]
            bundle = match(pattern, case["input"]["observed_as_bundle"])
            single = match(pattern, case["input"]["observed_single_object"])
            assert bundle.matched is case["expected"][name]["match"]
            assert single.matched is bundle.matched


_OBSERVED = {
    "type": "observed-data",
    "id": "observed-data--1",
    "first_observed": "2024-01-01T00:00:00Z",
    "last_observed": "2024-01-01T00:00:00Z",
    "number_observed": 1,
    "objects": {
        "0": {"type": "ipv6-addr", "value": "2001:db8::1"},
        "1": {"type": "artifact", "payload_bin": "YWJj"},
        "2": {"type": "url", "value": "a" * 5000 + "!"},
    },
}


class TestSemantics:
    def test_ipv6_cidr_subset(self) -> None:
        """ISSUBSET works for IPv6 ranges as well as IPv4."""
        assert match("[ipv6-addr:value ISSUBSET '2001:db8::/32']", _OBSERVED).matched

    def test_binary_property_compares_with_string(self) -> None:
        """A _bin property equals a string whose code points are its bytes."""
        assert match("[artifact:payload_bin = 'abc']", _OBSERVED).matched

    def test_hostile_regex_runs_without_backtracking(self) -> None:
        """A catastrophic-backtracking regex returns a verdict on a long value."""
        assert not match("[url:value MATCHES '^(a+)+$']", _OBSERVED).matched

    def test_result_names_bound_objects(self) -> None:
        """A match reports the observed-data and the object keys that satisfied it."""
        result = match("[ipv6-addr:value = '2001:db8::1']", _OBSERVED)
        assert result.objects == (("observed-data--1", "0"),)

    def test_stix_20_string_start_stop_bounds_the_window(self) -> None:
        """A 2.0 START/STOP with strings matches inside the window and not outside."""
        text = "[ipv6-addr:value = '2001:db8::1'] START '2023-12-01T00:00:00Z' STOP '{stop}'"
        inside = text.format(stop="2024-02-01T00:00:00Z")
        before = text.format(stop="2023-12-02T00:00:00Z")
        assert match(inside, _OBSERVED, stix_version="2.0").matched
        assert not match(before, _OBSERVED, stix_version="2.0").matched
