"""Patterns taken apart into atomic observables, and built back from values."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from stixhub.stix.patterns import Entry, check_pattern, compose_pattern, decompose, parse_pattern
from tests.conftest import shared_path

CASES = shared_path("cases")


class TestDecompose:
    """decompose lists every comparison and says whether the pattern is their OR."""

    def test_address_or_subnet_gives_two_entries(self) -> None:
        """The issue's example: an address and a subnet, exportable as a list."""
        d = decompose("[ipv4-addr:value = '203.0.113.5' OR ipv4-addr:value = '198.51.100.0/24']")
        assert d.listable
        assert [(e.path, e.operator, e.value) for e in d.entries] == [
            ("ipv4-addr:value", "=", "203.0.113.5"),
            ("ipv4-addr:value", "=", "198.51.100.0/24"),
        ]

    def test_in_is_expanded(self) -> None:
        """An IN list gives one = entry per item."""
        d = decompose("[domain-name:value IN ('a.example', 'b.example')]")
        assert d.listable
        assert [e.value for e in d.entries] == ["a.example", "b.example"]
        assert {e.operator for e in d.entries} == {"="}

    def test_or_of_observations_and_hash_keys(self) -> None:
        """OR between observations is a list too; quoted hash keys keep their path text."""
        d = decompose("[file:hashes.'SHA-256' = 'aa'] OR [url:value = 'http://x/']")
        assert d.listable
        assert [e.prop for e in d.entries] == ["hashes.'SHA-256'", "value"]
        assert d.entries[0].object_type == "file"

    def test_issubset_is_listable(self) -> None:
        """ISSUBSET on an address is a subnet entry."""
        d = decompose("[ipv4-addr:value ISSUBSET '10.0.0.0/8']")
        assert d.listable
        assert d.entries[0].operator == "ISSUBSET"

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("[ipv4-addr:value = '1.2.3.4' AND url:value = 'x']", "AND between comparisons"),
            ("[ipv4-addr:value = '1.2.3.4'] AND [url:value = 'x']", "AND between observations"),
            ("[url:value = 'y'] FOLLOWEDBY [url:value = 'x']", "FOLLOWEDBY between observations"),
            ("[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS", "qualifier WITHIN"),
            ("[ipv4-addr:value = '1.2.3.4'] REPEATS 2 TIMES", "qualifier REPEATS"),
            ("[url:value LIKE 'http://x/%']", "operator LIKE"),
            ("[url:value MATCHES '^x']", "operator MATCHES"),
            ("[url:value != 'x']", "operator !="),
            ("[url:value NOT = 'x']", "negated ="),
            ("[file:size = 5]", "constant that is not a string"),
            ("[file:hashes.MD5 = h'00ff']", "constant that is not a string"),
        ],
    )  # fmt: skip
    def test_reasons(self, text: str, reason: str) -> None:
        """A pattern that needs more than a list says which construct it needs."""
        d = decompose(text)
        assert not d.listable
        assert d.reason == reason
        assert d.entries  # the entries are still listed, for Sigma and for counting

    def test_indexed_paths_are_marked(self) -> None:
        """A path through a list is marked indexed."""
        d = decompose("[email-message:to_refs[*].value = 'a@example.com']")
        assert d.entries[0].indexed
        assert d.entries[0].prop == "to_refs[*].value"

    def test_parsed_pattern_accepted(self) -> None:
        """A parsed tree decomposes the same as its text."""
        text = "[domain-name:value = 'x.example']"
        assert decompose(parse_pattern(text)) == decompose(text)

    def test_entry_is_hashable(self) -> None:
        """Entries can be collected in sets (for de-duplication in list exports)."""
        assert len({Entry("a", "b", "=", "c"), Entry("a", "b", "=", "c")}) == 1


class TestCompose:
    """compose_pattern quotes values so any text gives a valid pattern with that value."""

    def test_case_b31(self) -> None:
        """Case B31: an apostrophe and backslashes are escaped; the patterns are valid."""
        case: dict[str, Any] = json.loads((CASES / "B31.json").read_text())
        paths = {"filename": ("file", "name"), "regkey": ("windows-registry-key", "key")}
        for record in case["input"]["records"]:
            kind, prop = paths[record["kind"]]
            text = compose_pattern([(kind, prop, record["value"])])
            expected = case["expected"][record["kind"]]
            assert text == expected["pattern"]
            assert (check_pattern(text) == []) is expected["pattern_valid"]
            assert run_validator(text, "2.1") == []
            assert decompose(text).entries[0].value == record["value"]

    @given(st.lists(st.text(), min_size=1, max_size=3))
    def test_round_trip(self, values: list[str]) -> None:
        """Any strings survive compose then decompose unchanged."""
        text = compose_pattern([("file", "name", v) for v in values])
        d = decompose(text)
        assert d.listable
        assert [e.value for e in d.entries] == values

    def test_empty(self) -> None:
        """No values is an error, not the empty pattern []."""
        with pytest.raises(ValueError, match="at least one"):
            compose_pattern([])
