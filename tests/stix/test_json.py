"""Parsing untrusted JSON: syntax errors and nesting depth."""

from collections.abc import Callable

import orjson
import pytest

from stixhub.stix import InvalidJSON, StixError, loads_untrusted
from stixhub.stix._json import DEFAULT_MAX_DEPTH, json_depth


def nested_lists(depth: int) -> bytes:
    """A JSON document of ``depth`` nested lists around one number."""
    return b"[" * depth + b"1" + b"]" * depth


def nested_dicts(depth: int) -> bytes:
    """A JSON document of ``depth`` nested objects around one number."""
    return b'{"a":' * depth + b"1" + b"}" * depth


class TestJsonDepth:
    """json_depth measures the nesting of containers, not of scalars."""

    @pytest.mark.parametrize("scalar", [None, True, 0, 1.5, "[[[[", ""])
    def test_scalar_has_depth_zero(self, scalar: object) -> None:
        """A scalar, even a string full of brackets, has depth 0."""
        assert json_depth(scalar) == 0

    @pytest.mark.parametrize(
        ("value", "depth"),
        [
            ([], 1),
            ({}, 1),
            ([1, "x", None], 1),
            ([[]], 2),
            ({"a": [{"b": 1}]}, 3),
            ([[1], [[2]], 3], 3),
            ({"a": 1, "b": {"c": {"d": []}}, "e": []}, 4),
        ],
    )
    def test_depth_of_containers(self, value: object, depth: int) -> None:
        """The depth is the longest chain of nested lists and dicts, counting the outer one."""
        assert json_depth(value) == depth

    def test_deepest_branch_counts_whatever_its_position(self) -> None:
        """A deep branch is found whether it comes first, last or in the middle of siblings."""
        deep = orjson.loads(nested_lists(10))
        for value in ([deep, 1, 2], [1, deep, 2], [1, 2, deep], {"x": 1, "y": deep}):
            assert json_depth(value) == 11

    def test_wide_shallow_value(self) -> None:
        """Many siblings do not add depth."""
        assert json_depth([[i] for i in range(10_000)]) == 2

    def test_stop_above_ends_early_with_a_larger_depth(self) -> None:
        """With stop_above the result exceeds the bound as soon as the walk passes it."""
        value = orjson.loads(nested_lists(500))
        assert json_depth(value, stop_above=10) > 10
        assert json_depth(value, stop_above=10) <= 500
        assert json_depth(value, stop_above=600) == 500


class TestLoadsUntrusted:
    """loads_untrusted parses JSON and refuses bad syntax and deep nesting."""

    @pytest.mark.parametrize("make", [nested_lists, nested_dicts])
    def test_depth_at_the_limit_accepted(self, make: Callable[[int], bytes]) -> None:
        """A document nested exactly to the limit is accepted."""
        value = loads_untrusted(make(DEFAULT_MAX_DEPTH))
        assert json_depth(value) == DEFAULT_MAX_DEPTH

    @pytest.mark.parametrize("make", [nested_lists, nested_dicts])
    def test_depth_past_the_limit_refused(self, make: Callable[[int], bytes]) -> None:
        """A document nested one level past the limit is refused, lists and dicts alike."""
        with pytest.raises(InvalidJSON, match="deeper than 64"):
            loads_untrusted(make(DEFAULT_MAX_DEPTH + 1))

    def test_custom_limit(self) -> None:
        """The limit can be set by the caller."""
        assert loads_untrusted(nested_lists(3), max_depth=3) == [[[1]]]
        with pytest.raises(InvalidJSON):
            loads_untrusted(nested_lists(4), max_depth=3)

    def test_mixed_lists_and_dicts_counted_together(self) -> None:
        """Alternating lists and dicts count every level."""
        doc = b'{"a":[' * 20 + b"1" + b"]}" * 20
        assert json_depth(loads_untrusted(doc)) == 40
        with pytest.raises(InvalidJSON):
            loads_untrusted(doc, max_depth=39)

    def test_brackets_inside_strings_not_counted(self) -> None:
        """Brackets and braces inside string values add no depth."""
        doc = orjson.dumps({"pattern": "[" * 1000 + "{" * 1000, "k": ["]]]}}}"]})
        value = loads_untrusted(doc, max_depth=2)
        assert value["pattern"].startswith("[[[")

    def test_nesting_beyond_the_parser_limit_is_invalid_json(self) -> None:
        """Nesting far past any limit is an InvalidJSON, never a crash of the parser."""
        with pytest.raises(InvalidJSON):
            loads_untrusted(nested_lists(5000))

    def test_str_input_accepted(self) -> None:
        """Text is accepted as well as bytes."""
        assert loads_untrusted('{"a": [1, 2]}') == {"a": [1, 2]}

    @pytest.mark.parametrize(
        "data",
        [
            b"",
            b"   ",
            b"{",
            b"[1,]",
            b"{'a': 1}",
            b"[NaN]",
            b"[Infinity]",
            b"1 2",
            b'{"a" 1}',
            b"\xff\xfe",
            b'"\\ud800"',
            b"1e400",
        ],
    )
    def test_invalid_json_refused(self, data: bytes) -> None:
        """Syntax errors, non-JSON numbers, bad UTF-8 and lone surrogates are InvalidJSON."""
        with pytest.raises(InvalidJSON, match="not valid JSON"):
            loads_untrusted(data)

    def test_invalid_json_is_a_stix_value_error(self) -> None:
        """InvalidJSON is a StixError and a ValueError."""
        with pytest.raises(StixError) as info:
            loads_untrusted(b"{")
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize("number", [2**63 - 1, -(2**63), 2**64 - 1])
    def test_64_bit_integers_exact(self, number: int) -> None:
        """Integers within 64 bits come back exactly, as integers."""
        value = loads_untrusted(f'{{"n": {number}}}'.encode())
        assert value == {"n": number}
        assert isinstance(value["n"], int)

    @pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 10**30])
    def test_big_integers_never_silently_become_floats(self, number: int) -> None:
        """An integer beyond 64 bits is either kept exactly or refused, never rounded to a float."""
        try:
            value = loads_untrusted(f'{{"n": {number}}}'.encode())
        except InvalidJSON:
            return
        assert isinstance(value["n"], int)
        assert value["n"] == number
