"""How resources are written: UTF-8 I-JSON, snake_case names, 54-bit integers.

TAXII 2.1 sections 1.6.7 and 8.2.1 (UTF-8, I-JSON), 2 (integers) and 3.8 (property names).
"""

import re
from typing import Any

import orjson

from tests.taxii.server.conftest import INTEL, Hub, indicator

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
# STIX objects inside envelopes keep their own names (custom ones may differ); only the
# TAXII resources' own properties are checked.
_STIX_CONTAINERS = {"objects"}


def _names(value: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((path, key))
            if key not in _STIX_CONTAINERS or path:
                found += _names(inner, f"{path}.{key}")
            elif isinstance(inner, list):
                # Manifest entries and status details are TAXII records, not STIX objects.
                for item in inner:
                    if isinstance(item, dict) and "type" not in item:
                        found += _names(item, f"{path}.{key}[]")
    elif isinstance(value, list):
        for item in value:
            found += _names(item, path)
    return found


def _resources(hub: Hub) -> list[Any]:
    status = hub.post_objects([indicator(1), {"type": "indicator", "id": "bad"}]).json()
    return [
        hub.get("/taxii2/").json(),
        hub.get("/api1/").json(),
        hub.get("/api1/collections/").json(),
        hub.get(hub.url(INTEL)).json(),
        hub.get(hub.url(INTEL, "manifest/"), params={"limit": "1"}).json(),
        hub.get(hub.url(INTEL, f"objects/{indicator(1)['id']}/versions/")).json(),
        status,
        hub.get(f"/api1/status/{status['id']}/").json(),
        hub.get("/api1/no-such-root/").json(),
    ]


class TestRepresentation:
    """Every TAXII resource follows the representation rules of the spec."""

    def test_property_names_are_snake_case(self, hub: Hub) -> None:
        """3.8: every property name of every resource is lower-case snake_case."""
        for resource in _resources(hub):
            for path, name in _names(resource):
                assert _SNAKE.match(name), (path, name)

    def test_integers_fit_54_bits(self, hub: Hub) -> None:
        """2: every integer a resource carries is within -(2^53)+1 .. 2^53-1."""
        limit = 2**53 - 1

        def walk(value: Any) -> None:
            if isinstance(value, bool):
                return
            if isinstance(value, int):
                assert -limit <= value <= limit, value
            elif isinstance(value, dict):
                for inner in value.values():
                    walk(inner)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner)

        for resource in _resources(hub):
            walk(resource)

    def test_an_object_with_a_too_big_integer_is_refused(self, hub: Hub) -> None:
        """2: an object carrying an integer beyond 2^53-1 is not stored, so never served."""
        status = hub.post_objects([indicator(2, x_count=2**60)]).json()
        assert status["failure_count"] == 1
        assert status["success_count"] == 0
        r = hub.get(hub.url(INTEL, "objects/"))
        assert b"x_count" not in r.content

    def test_responses_are_utf8_i_json(self, hub: Hub) -> None:
        """1.6.7 / 8.2.1: non-ASCII text is served as UTF-8 JSON that round-trips exactly."""
        name = "Ind\u00eacateur \u2014 \u6307\u6a19 \U0001f50d"
        assert hub.post_objects([indicator(3, name=name)]).status_code == 202
        r = hub.get(hub.url(INTEL, "objects/"))
        text = r.content.decode("utf-8")  # raises on anything that is not UTF-8
        (served,) = orjson.loads(text)["objects"]
        assert served["name"] == name
        assert "charset" not in r.headers["content-type"] or "utf-8" in r.headers["content-type"]
