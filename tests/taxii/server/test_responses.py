"""Paged resources joined from stored bytes (TAXII 2.1 sections 3.7, 5.3.1, 5.4, 5.8.1)."""

import orjson
import pytest

from stixhub.taxii.server._responses import envelope_bytes


def items(count: int) -> list[bytes]:
    return [orjson.dumps({"id": f"x--{n}", "n": n}) for n in range(count)]


class TestEnvelopeBytes:
    """envelope_bytes joins serialised items into valid JSON without parsing them."""

    @pytest.mark.parametrize("count", [1, 2, 3, 1000])
    @pytest.mark.parametrize(("more", "token"), [(False, None), (True, "tok"), (True, None)])
    def test_is_the_json_of_the_resource(self, count: int, more: bool, token: str | None) -> None:
        """The bytes parse to {more, next (only with more), objects} holding every item in order."""
        body = orjson.loads(envelope_bytes("objects", items(count), more, token))
        expected: dict[str, object] = {"more": more}
        if more and token is not None:
            expected["next"] = token
        expected["objects"] = [orjson.loads(i) for i in items(count)]
        assert body == expected

    def test_empty_list_is_omitted(self) -> None:
        """3.7: an empty objects list is left out rather than sent empty."""
        assert orjson.loads(envelope_bytes("objects", [], False, None)) == {"more": False}

    def test_next_is_dropped_without_more(self) -> None:
        """3.7: next only accompanies more=true."""
        assert "next" not in orjson.loads(envelope_bytes("versions", items(2), False, "tok"))

    def test_items_are_not_modified(self) -> None:
        """The caller's list and its bytes are left as they were."""
        given = items(3)
        copy = list(given)
        envelope_bytes("objects", given, True, "t")
        assert given == copy

    def test_versions_key(self) -> None:
        """5.8.1: the versions resource lists its items under versions."""
        body = orjson.loads(
            envelope_bytes("versions", [b'"2024-01-01T00:00:00.000Z"'], False, None)
        )
        assert body == {"more": False, "versions": ["2024-01-01T00:00:00.000Z"]}
