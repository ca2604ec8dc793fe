"""Tests of check_pattern: grammar and STIX 2.1 semantic checks, against the references."""

import pytest
import re2  # type: ignore[import-untyped]

from stixhub.stix.patterns import (
    Comparison,
    InvalidRegex,
    KeyStep,
    PatternError,
    PatternIssue,
    check_pattern,
    compile_pattern,
    parse_pattern,
)
from stixhub.stix.patterns._ast import quote_string
from stixhub.stix.patterns._vocab import SCO_PROPERTIES

from ._corpus import load, pattern_cases

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
SHA256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"

# Where stix2-patterns 2.1.2 is wrong by the specification; see docs/pattern-differences.md.
IMPOSSIBLE_DATES = {
    "[x:created = t'2024-02-30T12:00:00Z']",
    "[x:created = t'2024-04-31T12:00:00Z']",
    "[x:created = t'2023-02-29T12:00:00Z']",
}


def _errors(pattern: str) -> list[PatternIssue]:
    return [issue for issue in check_pattern(pattern) if issue.severity == "error"]


def _is_name_length(issue: PatternIssue) -> bool:
    return issue.message.endswith("characters long (STIX 2.1 section 3.1)")


def _comparisons(node: object) -> list[Comparison]:
    if isinstance(node, Comparison):
        return [node]
    children = [getattr(node, name, None) for name in ("root", "expression")]
    children += list(getattr(node, "operands", ()))
    return [c for child in children if child is not None for c in _comparisons(child)]


def _has_short_name(pattern: str) -> bool:
    """Whether a parsable pattern names a custom object type or property outside 3-250
    characters: read from the syntax tree, independently of the checker."""
    try:
        tree = parse_pattern(pattern)
    except ValueError:
        return False
    for comparison in _comparisons(tree):
        object_type = comparison.path.object_type
        known = SCO_PROPERTIES.get(object_type)
        names = [] if known is not None else [object_type]
        first = comparison.path.steps[0]
        if isinstance(first, KeyStep) and first.key not in (known or ()):
            names.append(first.key)
        if any(not 3 <= len(name) <= 250 for name in names):
            return True
    return False


class TestSemanticChecks:
    def test_short_sha256_names_the_algorithm_at_the_value(self) -> None:
        """A SHA-256 of the wrong length is an error at the value's column naming SHA-256."""
        (issue,) = _errors("[file:hashes.'SHA-256' = 'abc']")
        assert issue.message == "SHA-256 value must be 64 hex digits"
        assert issue.column == 26

    def test_every_value_of_an_in_list_is_checked(self) -> None:
        """Each hash in an IN list is checked on its own."""
        issues = _errors(f"[file:hashes.MD5 IN ('{'a' * 32}', 'zz')]")
        assert [i.message for i in issues] == ["MD5 value must be 32 hex digits"]

    def test_bad_address_for_ipv4_is_an_error(self) -> None:
        """An ipv4-addr value that is not an IPv4 address or CIDR range is an error."""
        assert _errors("[ipv4-addr:value = '1.2.3.4/33']")
        assert not _errors("[ipv4-addr:value = '10.0.0.0/8']")

    def test_issubset_needs_a_cidr(self) -> None:
        """ISSUBSET with a value that is no address or range is an error."""
        assert _errors("[ipv6-addr:value ISSUBSET 'nonsense']")

    def test_start_must_precede_stop(self) -> None:
        """A STOP timestamp not later than START is an error at STOP's value."""
        text = "[x-thing:abc = 1] START t'2024-02-01T00:00:00Z' STOP t'2024-01-01T00:00:00Z'"
        (issue,) = _errors(text)
        assert issue.column == text.index("t'2024-01") + 1

    def test_zero_within_and_repeats_are_errors(self) -> None:
        """WITHIN 0 SECONDS and REPEATS 0 TIMES are not positive and so are errors."""
        assert _errors("[x-thing:abc = 1] WITHIN 0 SECONDS")
        assert _errors("[x-thing:abc = 1] REPEATS 0 TIMES")

    def test_custom_type_and_property_are_warnings(self) -> None:
        """Custom x- types and x_ properties give warnings, not errors."""
        issues = check_pattern("[x-thing:abc = 1 AND file:x_extra = 2]")
        assert [i.severity for i in issues] == ["warning", "warning"]

    def test_checker_refuses_every_in_list_the_matcher_refuses(self) -> None:
        """An IN list compile_pattern rejects as mixed is an error of check_pattern too, and
        numbers or binary constants of both spellings count as one type for both."""
        for items, mixed in (
            ("1, 'a'", True),
            ("true, 1", True),
            ("'a', t'2024-01-01T00:00:00Z'", True),
            ("'a', h'61'", True),
            ("1, 2.5", False),
            ("h'01', b'AQ=='", False),
        ):
            text = f"[x-thing:abc IN ({items})]"
            assert bool(_errors(text)) is mixed, text
            if mixed:
                with pytest.raises(PatternError, match="mixes constants"):
                    compile_pattern(text)
            else:
                compile_pattern(text)

    def test_valid_pattern_gives_no_issue(self) -> None:
        """A correct pattern on STIX 2.1 properties yields an empty list."""
        assert check_pattern(f"[file:hashes.'SHA-256' = '{SHA256}']") == []

    def test_duplicate_qualifier_on_bare_observation_is_an_error(self) -> None:
        """The same qualifier twice on a bare observation is refused, as the reference does."""
        assert _errors("[x-thing:abc = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS")
        assert not _errors("([x-thing:abc = 1] REPEATS 2 TIMES) REPEATS 2 TIMES")


SSDEEP = "3072:S+IiyfkMY+BES09JXAnyrZalI+YuyGcDPVj7/8rYSz:S+IiyfkMY+BES09JXAnyrZalI+Y"
TLSH = "T1" + "0123456789abcdef" * 4 + "012345"


class TestHashes:
    def test_unknown_algorithm_name_is_a_warning_at_the_key(self) -> None:
        """A hashes key outside hash-algorithm-ov ('SHA-257') is a warning at the key, as the
        vocabulary is open (STIX 2.1 sections 2.7 and 10.7)."""
        text = "[file:hashes.'SHA-257' = 'abc']"
        (issue,) = check_pattern(text)
        assert (issue.severity, issue.column) == ("warning", text.index("'SHA-257'") + 1)
        assert "hash-algorithm-ov" in issue.message

    def test_vocabulary_names_in_any_spelling_give_no_warning(self) -> None:
        """SHA-256, sha256, SHA256 and ssdeep name vocabulary algorithms: no issue."""
        for key in ("'SHA-256'", "sha256", "SHA256", "'sha-256'"):
            assert check_pattern(f"[file:hashes.{key} = '{SHA256}']") == [], key
        assert check_pattern(f"[file:hashes.ssdeep = '{SSDEEP}']") == []

    def test_older_algorithm_is_warned_about_and_still_checked(self) -> None:
        """SHA-224 is not in the 2.1 vocabulary (a warning) and its value is still checked."""
        text = "[file:hashes.'SHA-224' = 'abc']"
        assert [i.severity for i in check_pattern(text)] == ["warning", "error"]
        assert _errors(text)[0].message == "SHA-224 value must be 56 hex digits"

    def test_malformed_hash_key_is_an_error(self) -> None:
        """A hashes key with a space, or shorter than 3 characters, breaks a MUST of 2.7."""
        for key in ("'SHA 256'", "ab"):
            text = f"[file:hashes.{key} = 'abc']"
            (issue,) = _errors(text)
            assert issue.column == text.index(key) + 1
            assert "must be 3 to 250 characters of a-z" in issue.message

    def test_ssdeep_value_must_be_a_piecewise_hash(self) -> None:
        """SSDEEP takes 'blocksize:hash:hash' with a block size of 3 x 2^n (section 10.7)."""
        assert check_pattern(f"[file:hashes.SSDEEP = '{SSDEEP}']") == []
        assert check_pattern("[file:hashes.SSDEEP = '3::']") == []
        for bad in ("nonsense", "3000:abc:def", "3072:ab!c:def", "3072:abc"):
            text = f"[file:hashes.SSDEEP = '{bad}']"
            (issue,) = _errors(text)
            assert issue.column == text.index(f"'{bad}'") + 1
            assert issue.message.startswith("SSDEEP value must be a piecewise hash"), bad

    def test_tlsh_value_must_be_35_bytes_of_hex(self) -> None:
        """TLSH takes 70 hex digits, optionally after the version prefix T1 (section 10.7)."""
        assert check_pattern(f"[file:hashes.TLSH = '{TLSH}']") == []
        assert check_pattern(f"[file:hashes.TLSH = '{TLSH[2:]}']") == []
        for bad in (TLSH[:-1], TLSH[2:] + "0", "T2" + TLSH[2:], TLSH[:-1] + "g"):
            (issue,) = _errors(f"[file:hashes.TLSH = '{bad}']")
            assert issue.message.startswith("TLSH value must be 70 hex digits"), bad


class TestAddressFamilies:
    def test_issubset_range_must_be_of_the_path_family(self) -> None:
        """ipv4-addr:value ISSUBSET an IPv6 range (or ipv6-addr ISSUPERSET an IPv4 one) is an
        error at the range (STIX 2.1 section 9.6.1: b is of a's object type)."""
        for text in (
            "[ipv4-addr:value ISSUBSET '2001:db8::/32']",
            "[ipv6-addr:value ISSUPERSET '10.0.0.0/8']",
        ):
            (issue,) = _errors(text)
            assert issue.column == text.index("'") + 1
            assert "needs an IPv" in issue.message

    def test_matching_family_and_other_paths_are_valid(self) -> None:
        """The same family, or a path whose object type is only known from the data, is valid."""
        assert check_pattern("[ipv4-addr:value ISSUBSET '10.0.0.0/8']") == []
        assert check_pattern("[ipv6-addr:value ISSUBSET '2001:db8::/32']") == []
        assert _errors("[network-traffic:dst_ref.value ISSUBSET '2001:db8::/32']") == []


# Every PCRE construct RE2 refuses, as listed in docs/patterns.md: (regex, construct named).
PCRE_ONLY = [
    (r"(a)\1", r"\1"),
    (r"(?<n>a)\k<n>", r"\k<"),
    (r"(?P<n>a)(?P=n)", "(?P="),
    (r"(a)\g1", r"\g1"),
    (r"(a)\g{1}", r"\g{"),
    ("a(?=b)", "(?="),
    ("a(?!b)", "(?!"),
    ("(?<=a)b", "(?<="),
    ("(?<!a)b", "(?<!"),
    ("(?>a+)b", "(?>"),
    ("a++", "the possessive quantifier ++"),
    ("a*+", "the possessive quantifier *+"),
    ("a?+", "the possessive quantifier ?+"),
    ("a{2}+", "the possessive quantifier }+"),
    ("(a|(?R))", "(?R"),
    ("(a)(?1)", "(?1"),
    ("(?<n>a)(?&n)", "(?&"),
    ("(?<n>a)(?P>n)", "(?P>"),
    ("(?(1)a|b)", "(?("),
    ("(?|(a)|(b))", "(?|"),
    ("(?#note)a", "(?#"),
    ("(?'n'a)", "(?'"),
    ("(?x)a b", "(?x)"),
    ("(?J)a", "(?J)"),
    ("(*UTF8)a", "(*UTF8)"),
    (r"a\Z", r"\Z"),
    (r"\Ga", r"\G"),
    (r"a\Kb", r"\K"),
    (r"a\R", r"\R"),
    (r"a\h", r"\h"),
    (r"a\H", r"\H"),
    (r"a\V", r"\V"),
    (r"a\N", r"\N"),
    (r"a\e", r"\e"),
    (r"\X", r"\X"),
    (r"\cA", r"\cA"),
    (r"\o{101}", r"\o{"),
    ("a{1001}", "a repetition count over 1000 ({1001})"),
    (r"(?<n>a)\k{n}", r"\k{"),
    (r"(?<n>a)\k'n'", r"\k'"),
    ("(a)(?+1)", "(?+"),
    ("(a)(?-1)", "(?-"),
    ("(*SKIP)a", "(*SKIP)"),
]


def _pattern(regex: str) -> str:
    return "[file:name MATCHES " + quote_string(regex) + "]"


class TestRegexes:
    @pytest.mark.parametrize(("regex", "construct"), PCRE_ONLY)
    def test_pcre_that_re2_refuses_is_a_warning(self, regex: str, construct: str) -> None:
        """Each PCRE construct google-re2 refuses leaves the pattern valid with a warning that
        names it (STIX 2.1 section 9.6.1: MATCHES takes PCRE)."""
        with pytest.raises(re2.error):
            re2.compile(regex, _RE2_OPTIONS)
        text = _pattern(regex)
        (issue,) = check_pattern(text)
        assert issue.severity == "warning"
        assert issue.column == text.index("'") + 1
        assert f"uses {construct}, which is PCRE but not supported" in issue.message

    @pytest.mark.parametrize(
        "regex",
        [r"(?<n>a)", r"(?P<n>a)", "(?i)a", "(?-i)a", "(?U)a+", r"\Qa.b\E", r"\C", r"\x{41}",
         "[[:alpha:]]", r"\p{L}", r"\A\z", "a{2,1000}", r"\\Z", r"\Q(?=\E", r"[\]\\1]"],
    )  # fmt: skip
    def test_what_re2_supports_gives_no_issue(self, regex: str) -> None:
        """Named groups, flags RE2 knows, \\Q..\\E, \\C, POSIX and Unicode classes give no
        issue, and an escaped backslash before Z or 1 is no construct at all."""
        assert check_pattern(_pattern(regex)) == []

    @pytest.mark.parametrize("regex", ["(abc", "a)", r"\u0041", r"\y", "a{70000}", "*a"])
    def test_invalid_regex_is_an_error(self, regex: str) -> None:
        """An expression that is no PCRE either (unbalanced, an unknown escape, a count over
        65535) is an error, and compile_pattern raises InvalidRegex for it."""
        (issue,) = _errors(_pattern(regex))
        assert issue.message.startswith("regular expression is not valid")
        with pytest.raises(InvalidRegex):
            compile_pattern(_pattern(regex))


class TestReferenceCorpus:
    @pytest.mark.parametrize(("pattern", "expected"), pattern_cases())
    def test_same_verdict_as_stix2_patterns(self, pattern: str, expected: bool) -> None:
        """check_pattern agrees with stix2-patterns except for the documented differences:
        impossible dates, and names shorter than 3 characters, which are reported as such
        and only for the patterns that have them."""
        if pattern in IMPOSSIBLE_DATES:
            expected = False
        errors = _errors(pattern)
        others = [e for e in errors if not _is_name_length(e)]
        assert (not others) is expected
        assert any(_is_name_length(e) for e in errors) is _has_short_name(pattern)

    @pytest.mark.parametrize(("pattern", "expected"), pattern_cases())
    def test_valid_patterns_round_trip(self, pattern: str, expected: bool) -> None:
        """Every pattern the parser accepts prints to a text that parses to the same tree."""
        try:
            tree = parse_pattern(pattern)
        except ValueError:
            assert not expected
            return
        assert parse_pattern(str(tree)) == tree


class TestDocumentedDifferences:
    def test_impossible_calendar_dates_are_invalid(self) -> None:
        """February 30 is refused although stix2-patterns accepts it (STIX 2.1 section 9.3)."""
        (issue,) = _errors("[x-thing:created = t'2024-02-30T12:00:00Z']")
        assert "not a real date" in issue.message

    @pytest.mark.parametrize(
        ("pattern", "names"),
        [
            ("[x:created = t'2024-01-15T12:30:45Z']", ["object type 'x'"]),
            ("[f:name = 'something']", ["object type 'f'"]),
            ("[ab:yz = 'something']", ["object type 'ab'", "property 'yz'"]),
            ("[file:n = 'something']", ["property 'n'"]),
            (f"[x-thing:{'a' * 251} = 1]", [f"property '{'a' * 251}'"]),
        ],
    )
    def test_names_outside_3_to_250_characters_are_invalid(
        self, pattern: str, names: list[str]
    ) -> None:
        """Type and property names shorter than 3 or longer than 250 characters are errors at
        the name, though stix2-patterns accepts them (STIX 2.1 section 3.1 MUST)."""
        errors = _errors(pattern)
        assert [e.message.split(" must ")[0] for e in errors] == names
        assert all(_is_name_length(e) for e in errors)
        expected = 2 if names[0].startswith("object") else pattern.index(":") + 2
        assert errors[0].column == expected

    def test_in_list_of_mixed_types_is_invalid(self) -> None:
        """An IN list of a number and a string is an error at the string, which stix2-patterns
        accepts (STIX 2.1 section 9.6.1: the set values are of homogeneous data type)."""
        text = "[x-thing:abc IN (1, 'a')]"
        (issue,) = _errors(text)
        assert issue.column == text.index("'a'") + 1
        assert "mixes constants of different types (number and string)" in issue.message

    def test_in_list_of_hash_values_is_valid(self) -> None:
        """An IN list of well-formed hashes is valid although stix2-patterns rejects it (9.5)."""
        assert _errors(f"[file:hashes.'SHA-256' IN ('{SHA256}', '{SHA256}')]") == []


def _case_names(case_id: str) -> list[tuple[str, str, dict[str, object]]]:
    case = load(f"cases/{case_id}.json")
    return [(case_id, name, case["expected"][name]) for name in case["expected"]]


class TestBugReportCases:
    @pytest.mark.parametrize(
        ("case_id", "name", "expected"),
        [row for cid in ("B22", "B23", "B25", "B27") for row in _case_names(cid)],
    )
    def test_case_verdict(self, case_id: str, name: str, expected: dict[str, object]) -> None:
        """The pattern cases from public bug reports get the specification's verdict."""
        pattern = load(f"cases/{case_id}.json")["input"][name]
        errors = _errors(pattern)
        assert (not errors) is expected["valid"]
        if "error_mentions" in expected:
            assert any(str(expected["error_mentions"]).lower() in e.message.lower() for e in errors)
        if "constant_value" in expected:
            root = parse_pattern(pattern).root
            assert root.expression.value.value == expected["constant_value"]  # type: ignore[union-attr]


class TestStix20StartStop:
    def test_string_bounds_are_valid_in_stix_20_only(self) -> None:
        """START/STOP with timestamp strings is valid for STIX 2.0 and an error for 2.1."""
        text = "[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'"
        assert check_pattern(text, stix_version="2.0") == []
        assert _errors(text)

    def test_string_bound_must_be_a_timestamp(self) -> None:
        """A 2.0 START string that is not a STIX timestamp is an error at its column."""
        text = "[file:name = 'a'] START 'yesterday' STOP '2016-07-01T00:00:00Z'"
        (issue,) = [i for i in check_pattern(text, stix_version="2.0") if i.severity == "error"]
        assert issue.column == text.index("'yesterday'") + 1
        assert "START must be a timestamp" in issue.message

    def test_impossible_start_date_is_an_error(self) -> None:
        """A START bound on a day that does not exist is refused, as in comparisons (9.3)."""
        text = "[file:name = 'a'] START t'2023-02-29T00:00:00Z' STOP t'2024-01-01T00:00:00Z'"
        (issue,) = _errors(text)
        assert "not a real date" in issue.message
