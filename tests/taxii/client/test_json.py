"""The client's response parser refuses what ``stixhub.stix.loads_untrusted`` refuses."""

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stixhub.stix import InvalidJSON, loads_untrusted
from stixhub.taxii.client._json import loads_response

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
_json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=30,
)


def _nested(depth: int, leaf: str = "1") -> bytes:
    text = leaf
    for level in range(depth):
        text = f'{{"k":{text}}}' if level % 2 else f"[{text}]"
    return text.encode()


def _outcome(parse: Any, data: bytes, depth: int) -> object:
    try:
        return ("ok", parse(data, depth))
    except InvalidJSON as exc:
        return ("refused", str(exc))


class TestLoadsResponse:
    """Same answers as the core's untrusted-JSON parser, on every input."""

    @given(_json_values, st.integers(min_value=1, max_value=6))
    def test_agrees_with_loads_untrusted(self, value: Any, depth: int) -> None:
        """Any JSON document parses, or is refused with the same message, as in the core."""
        data = orjson.dumps(value)
        assert _outcome(loads_response, data, depth) == _outcome(loads_untrusted, data, depth)

    @pytest.mark.parametrize("depth", [1, 2, 3, 65, 66])
    def test_depth_limit_is_exact(self, depth: int) -> None:
        """A document exactly at the limit parses; one level more is refused."""
        assert loads_response(_nested(depth), depth) is not None
        with pytest.raises(InvalidJSON, match=f"deeper than {depth} levels"):
            loads_response(_nested(depth + 1), depth)

    def test_deep_nesting_in_one_object_of_a_page_is_refused(self) -> None:
        """One deep object among many shallow ones is found."""
        objects = [b'{"id":"x--1","a":[1,2,{"b":"c"}]}'] * 50 + [_nested(80)]
        page = b'{"objects":[' + b",".join(objects) + b"]}"
        with pytest.raises(InvalidJSON, match="deeper than 66"):
            loads_response(page, 66)

    @pytest.mark.parametrize("literal", ["18446744073709551616", "-99999999999999999999"])
    def test_integer_beyond_64_bits_is_refused(self, literal: str) -> None:
        """An integer orjson could only read as an inexact float is refused."""
        with pytest.raises(InvalidJSON, match="too large"):
            loads_response(f'{{"objects":[{{"n":[{literal}]}}]}}'.encode(), 66)

    def test_large_float_literal_is_kept(self) -> None:
        """A float literal of that size is a float, not a lost integer, and parses."""
        assert loads_response(b'{"x":1.8446744073709552e19}', 66) == {"x": 1.8446744073709552e19}

    def test_syntax_error_is_refused(self) -> None:
        """Text that is not JSON is refused with the parser's reason."""
        with pytest.raises(InvalidJSON, match="not valid JSON"):
            loads_response(b'{"objects": [', 66)

    def test_scalar_document_has_depth_zero(self) -> None:
        """A bare scalar parses under any limit (the caller checks the shape)."""
        assert loads_response(b"3", 1) == 3
