"""The server cases from public bug reports (../shared/cases, component "server")."""

import json
import re
from typing import Any

import pytest

from stixhub.stix import parse_rfc3339_micros
from stixhub.taxii.server import TAXII_21
from tests.conftest import shared_path
from tests.taxii.server.conftest import INTEL, Hub

SERVER_CASES = sorted(
    path.stem
    for path in shared_path("cases").glob("B*.json")
    if json.loads(path.read_text())["component"] == "server"
)


def _load(case_id: str) -> dict[str, Any]:
    return json.loads(shared_path("cases", f"{case_id}.json").read_text())  # type: ignore[no-any-return]


def _setup(hub: Hub, setup: dict[str, Any]) -> None:
    """Store the case's objects with the case's date_added values through the store clock."""
    assert setup.get("collection_id", INTEL) == INTEL
    for entry in setup.get("objects", []):
        hub.clock[0] = parse_rfc3339_micros(entry["date_added"]) - 1
        r = hub.post_objects([entry["object"]])
        assert r.status_code == 202, r.text
        assert r.json()["success_count"] == 1, r.text


def _request(hub: Hub, request: dict[str, Any]) -> Any:
    headers = {**request.get("headers", {})}
    headers["Authorization"] = hub.headers["admin"]["Authorization"]
    body = request.get("body")
    return hub.client.request(
        request["method"],
        request["path"],
        params=request.get("query"),
        headers=headers,
        content=None if body is None else json.dumps(body),
    )


def _check(hub: Hub, response: Any, expected: dict[str, Any]) -> None:
    for key, want in expected.items():
        if key == "http_status":
            assert response.status_code == want, response.text
        elif key == "http_status_in":
            assert response.status_code in want, response.text
        elif key == "never_http_status_range":
            assert not 500 <= response.status_code <= 599
        elif key == "content_type_startswith":
            assert response.headers["content-type"].startswith(want)
        elif key == "content_type_media_type":
            assert response.headers["content-type"].split(";")[0].strip().lower() == want
        elif key == "content_type_param_version":
            params = dict(
                p.strip().split("=", 1) for p in response.headers["content-type"].split(";")[1:]
            )
            assert params.get("version") == want
        elif key == "object_ids_exact_set":
            assert {o["id"] for o in response.json().get("objects", [])} == set(want)
        elif key == "header_regex":
            for name, pattern in want.items():
                assert re.fullmatch(pattern, response.headers[name]), response.headers
        elif key == "header_instant_equals":
            for name, instant in want.items():
                got = parse_rfc3339_micros(response.headers[name])
                assert got == parse_rfc3339_micros(instant)
        elif key == "body_has_keys":
            assert set(want) <= set(response.json())
        elif key == "body_more":
            assert response.json().get("more", False) is want
        elif key == "collection_object_count_after":
            assert hub.store.count_objects(INTEL) == want
        else:  # pragma: no cover - a new assertion word must be implemented, not ignored
            pytest.fail(f"unknown assertion {key!r} in case")


@pytest.mark.parametrize("case_id", SERVER_CASES)
def test_server_case(hub: Hub, case_id: str) -> None:
    """Each server case from a public bug report gets the answer the spec requires."""
    case = _load(case_id)
    _setup(hub, case["input"].get("setup", {}))
    if "request" in case["input"]:
        _check(hub, _request(hub, case["input"]["request"]), case["expected"])
        return
    for request in case["input"]["requests"]:
        expected = case["expected"].get("each_response") or case["expected"][request["name"]]
        _check(hub, _request(hub, request), expected)


def test_server_cases_are_present() -> None:
    """The shared folder provides the server cases this module runs."""
    assert {"B01", "B03", "B05", "B06", "B07"} <= set(SERVER_CASES)
    assert TAXII_21.endswith("version=2.1")
