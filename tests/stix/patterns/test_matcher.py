"""Tests of the matcher against stix2-matcher's recorded results and the bug-report cases."""

from typing import Any

import pytest

from stixhub.stix.patterns import (
    InvalidRegex,
    PatternError,
    PatternIndex,
    PatternLimitError,
    UnsupportedRegex,
    compile_pattern,
    match,
)
from stixhub.stix.patterns._matcher import MAX_STEPS, observations_from

from ._corpus import load, matcher_cases


def _verdict(pattern: str, observed: Any, stix_version: str = "2.1") -> object:
    try:
        return match(pattern, observed, stix_version=stix_version).matched
    except PatternError:
        return "error"


# Where stix2-matcher is wrong by the specification; see docs/pattern-differences.md.
STIX_20_STRING_START_STOP = "test_complex-8"


class TestReferenceCorpus:
    @pytest.mark.parametrize(
        ("name", "pattern", "observed", "version", "expected"),
        [pytest.param(n, p, o, v, e, id=n) for n, p, o, v, e in matcher_cases()],
    )
    def test_same_result_as_stix2_matcher(
        self, name: str, pattern: str, observed: Any, version: str, expected: object
    ) -> None:
        """The matcher, run with the STIX version each case ran with, gives stix2-matcher's
        result (match, no match or error) on every case but the documented difference."""
        if name == STIX_20_STRING_START_STOP:
            assert expected == "error"
            expected = True
        assert _verdict(pattern, observed, version) == expected

    def test_cases_run_with_their_recorded_version(self) -> None:
        """The corpus holds cases recorded with STIX 2.0 as well as 2.1, and each keeps it."""
        versions = {(n, v) for n, _, _, v, _ in matcher_cases()}
        assert ("test_complex-8", "2.0") in versions
        assert {v for _, v in versions} == {"2.0", "2.1"}

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


_TYPED = {
    "type": "observed-data",
    "id": "observed-data--2",
    "first_observed": "2024-01-01T00:00:00Z",
    "last_observed": "2024-01-01T00:00:00Z",
    "number_observed": 1,
    "objects": {
        "0": {
            "type": "x-thing",
            "number": 1,
            "real": 1.0,
            "flag": True,
            "text": "abc",
            "when": "2024-01-01T00:00:00Z",
            "data_bin": "YWJj",
            "data_hex": "616263",
        }
    },
}
_CONSTANTS = ("1", "1.0", "0", "true", "false", "'abc'", "'1'", "h'616263'", "b'YWJj'",
              "t'2024-01-01T00:00:00Z'")  # fmt: skip


class TestInIsEquality:
    @pytest.mark.parametrize("constant", _CONSTANTS)
    @pytest.mark.parametrize("prop", sorted(_TYPED["objects"]["0"].keys() - {"type"}))  # type: ignore[index]
    def test_in_list_of_one_is_equality(self, prop: str, constant: str) -> None:
        """``a IN (c)`` gives what ``a = c`` gives (match, no match or error) for every pair of
        value kinds."""
        single = _verdict(f"[x-thing:{prop} IN ({constant})]", _TYPED)
        assert single == _verdict(f"[x-thing:{prop} = {constant}]", _TYPED)

    def test_in_list_matches_when_one_item_is_equal(self) -> None:
        """A value is in a list when it equals one item: 1 is in (2, 1.0), 'abc' in ('x', 'abc')."""
        assert match("[x-thing:number IN (2, 1.0)]", _TYPED).matched
        assert match("[x-thing:text IN ('x', 'abc')]", _TYPED).matched
        assert not match("[x-thing:text IN ('x', 'y')]", _TYPED).matched


class TestDocumentedDifferences:
    def test_number_is_not_in_a_list_of_booleans(self) -> None:
        """1 IN (true) and true IN (1) do not match, as 1 = true does not, though
        stix2-matcher matches both (STIX 2.1 section 9.6.1: IN is true if a equals an item)."""
        assert not match("[x-thing:number IN (true)]", _TYPED).matched
        assert not match("[x-thing:flag IN (1)]", _TYPED).matched

    def test_stix_20_start_stop_with_strings_matches(self) -> None:
        """Corpus case test_complex-8, run as STIX 2.0 as recorded: START/STOP with plain
        strings is the 2.0 grammar (startStopQualifier: START StringLiteral STOP StringLiteral),
        so it matches where stix2-matcher 3.0.0 raises a parse error; under 2.1 it is an error."""
        case = next(c for c in matcher_cases() if c[0] == STIX_20_STRING_START_STOP)
        _, pattern, observed, version, expected = case
        assert (version, expected) == ("2.0", "error")
        assert match(pattern, observed, stix_version="2.0").matched
        assert _verdict(pattern, observed, "2.1") == "error"

    def test_like_wildcards_match_a_newline(self) -> None:
        """LIKE's % and _ match a newline too ('a\\nb' LIKE 'a_b'), where stix2-matcher's
        translation to a Python regex without DOTALL does not (STIX 2.1 section 9.6.1:
        '%' is 0 or more characters and '_' is any one character)."""
        observed = {**_FILE, "objects": {"0": {"type": "file", "name": "a\nb"}}}
        assert match("[file:name LIKE 'a_b']", observed).matched
        assert match("[file:name LIKE 'a%b']", observed).matched

    def test_matches_dot_matches_a_newline(self) -> None:
        """MATCHES runs with DOTALL, so '.' matches a newline, where stix2-matcher compiles
        without it (STIX 2.1 section 9.6.1: "The DOTALL option MUST be specified")."""
        observed = {**_FILE, "objects": {"0": {"type": "file", "name": "a\nb"}}}
        assert match("[file:name MATCHES '^a.b$']", observed).matched

    def test_exists_and_not_exists(self) -> None:
        """EXISTS is true when the property is present and NOT EXISTS when it is absent;
        stix2-matcher 3.0.0 has no rule for EXISTS, leaves the path's value as the result and
        so gets NOT EXISTS backwards (STIX 2.1 section 9.6.1, EXISTS)."""
        assert match("[EXISTS file:name]", _FILE).matched
        assert not match("[EXISTS file:mime_type]", _FILE).matched
        assert match("[NOT EXISTS file:mime_type]", _FILE).matched
        assert not match("[NOT EXISTS file:name]", _FILE).matched

    def test_unsupported_regex_raises_at_match_time(self) -> None:
        """A back-reference or look-behind raises UnsupportedRegex when tested, where
        stix2-matcher (Python re) matches 'aab' (STIX 2.1 section 9.6.1 names PCRE; stixhub
        runs only what RE2 runs in linear time)."""
        for pattern in (BACKREFERENCE, r"[file:name MATCHES '(?<=a)b']"):
            with pytest.raises(UnsupportedRegex):
                match(pattern, _FILE)

    def test_binary_value_is_in_a_list_of_strings(self) -> None:
        """A binary property is in a list holding the string of its bytes, as with =, though
        stix2-matcher finds no match (STIX 2.1 sections 9.6.1 and 9.6.4)."""
        assert match("[x-thing:data_bin IN ('abc', 'xyz')]", _TYPED).matched


def _timed(count: int, *, spacing: int = 1, cluster: int = 1, number: int = 1) -> list[Any]:
    """``count`` observed-data objects; each ``cluster`` of them ``spacing`` seconds apart."""
    observed = []
    for i in range(count):
        second = (i // cluster) * spacing
        stamp = f"2024-01-01T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
        observed.append(
            {
                "type": "observed-data",
                "id": f"observed-data--{i}",
                "first_observed": stamp,
                "last_observed": stamp,
                "number_observed": number,
                "objects": {"0": {"type": "x-thing", "a": i + 1}},
            }
        )
    return observed


def _steps(pattern: str, observed: Any) -> tuple[bool, int]:
    result, steps = compile_pattern(pattern).search(observations_from(observed))
    return result.matched, steps


class TestHostilePatterns:
    def test_repeats_within_prunes_by_the_window(self) -> None:
        """REPEATS 10 inside WITHIN 1 s on 200 observations a second apart fails in few steps."""
        pattern = "([x-thing:a > 0] REPEATS 10 TIMES) WITHIN 1 SECONDS"
        matched, steps = _steps(pattern, _timed(200))
        assert not matched
        assert steps < 2_000

    def test_four_way_and_within_prunes_by_the_window(self) -> None:
        """A 4-way AND under WITHIN 1 s on 200 observations fails in few steps."""
        pattern = " AND ".join(["[x-thing:a > 0]"] * 4)
        matched, steps = _steps(f"({pattern}) WITHIN 1 SECONDS", _timed(200))
        assert not matched
        assert steps < 4_000  # a few per observation; the old search gave up after 2,000,000

    def test_distinct_and_operands_under_within_prune_too(self) -> None:
        """Four different AND operands under WITHIN 1 s on 300 observations fail in few steps."""
        pattern = " AND ".join(f"[x-thing:a > {k}]" for k in range(4))
        matched, steps = _steps(f"({pattern}) WITHIN 1 SECONDS", _timed(300, spacing=2))
        assert not matched
        assert steps < 5_000

    def test_repeats_in_one_window_finds_a_match_at_once(self) -> None:
        """REPEATS 10 WITHIN 1 s over 300 simultaneous observations matches in a few steps."""
        pattern = "([x-thing:a > 0] REPEATS 10 TIMES) WITHIN 1 SECONDS"
        matched, steps = _steps(pattern, _timed(300, cluster=300))
        assert matched
        assert steps < 100

    def test_start_stop_is_applied_while_building(self) -> None:
        """REPEATS 5 under START/STOP holding 4 of 300 observations fails without a search."""
        pattern = (
            "([x-thing:a > 0] REPEATS 5 TIMES) "
            "START t'2024-01-01T00:00:10Z' STOP t'2024-01-01T00:00:14Z'"
        )
        matched, steps = _steps(pattern, _timed(300))
        assert not matched
        assert steps < 10

    def test_repeats_does_not_enumerate_equivalent_combinations(self) -> None:
        """REPEATS 301 over 300 observations fails at once instead of trying every subset."""
        matched, steps = _steps("[x-thing:a > 0] REPEATS 301 TIMES", _timed(300, cluster=300))
        assert not matched
        assert steps < 10

    def test_number_observed_instances_are_interchangeable(self) -> None:
        """Repeats of one observed-data seen 1,000 times are found in a few steps."""
        matched, steps = _steps("[x-thing:a = 1] REPEATS 50 TIMES", _timed(1, number=1000))
        assert matched
        assert steps < 200

    def test_followedby_bounds_the_left_side(self) -> None:
        """FOLLOWEDBY whose right side ends before every left candidate fails in a few steps."""
        observed = _timed(300)
        observed[0]["objects"]["0"] = {"type": "x-other", "b": 1}
        matched, steps = _steps("[x-thing:a > 0] FOLLOWEDBY [x-other:b = 1]", observed)
        assert not matched
        assert steps < 10

    def test_step_limit_refuses_what_pruning_cannot_settle(self) -> None:
        """Ten different AND operands over clusters of nine observations hit the step limit."""
        pattern = " AND ".join(f"[x-thing:a > {k}]" for k in range(10))
        with pytest.raises(PatternLimitError, match=f"more than {MAX_STEPS} search steps"):
            match(f"({pattern}) WITHIN 1 SECONDS", _timed(300, spacing=10, cluster=9))


_FILE = {
    "type": "observed-data",
    "id": "observed-data--3",
    "first_observed": "2024-01-01T00:00:00Z",
    "last_observed": "2024-01-01T00:00:00Z",
    "number_observed": 1,
    "objects": {"0": {"type": "file", "name": "aab", "size": 3}},
}
BACKREFERENCE = r"[file:name MATCHES '(a)\\1']"


class TestUnsupportedRegex:
    def test_pcre_beyond_re2_compiles_and_raises_when_a_value_is_tested(self) -> None:
        """A back-reference compiles; testing a string against it raises UnsupportedRegex at
        the expression's column instead of answering no match."""
        compiled = compile_pattern(BACKREFERENCE)
        with pytest.raises(UnsupportedRegex) as raised:
            compiled.match(_FILE)
        assert raised.value.column == BACKREFERENCE.index("'") + 1
        with pytest.raises(UnsupportedRegex):
            match(r"[file:name NOT MATCHES '(?<=a)b']", _FILE)

    def test_no_error_when_no_value_needs_the_expression(self) -> None:
        """Without a string value on the path (no name, a number) nothing is tested: no match."""
        assert not match(r"[file:size MATCHES '(a)\\1']", _FILE).matched
        assert not match(r"[url:value MATCHES '(a)\\1']", _FILE).matched

    def test_index_counts_the_indicator_as_not_matching(self) -> None:
        """PatternIndex keeps such an indicator, which never matches, and still finds others."""
        indicators = [
            {"type": "indicator", "id": f"indicator--{n}", "pattern": pattern,
             "pattern_type": "stix", "spec_version": "2.1", "modified": "2024-01-01T00:00:00Z"}
            for n, pattern in ((1, BACKREFERENCE), (2, "[file:name = 'aab']"))
        ]  # fmt: skip
        index = PatternIndex(indicators)
        assert "indicator--1" in index
        assert index.match(_FILE) == ["indicator--2"]

    def test_invalid_regex_fails_at_compile_time(self) -> None:
        """An expression that is no regular expression raises InvalidRegex from compile_pattern."""
        with pytest.raises(InvalidRegex):
            compile_pattern("[file:name MATCHES '(abc']")
