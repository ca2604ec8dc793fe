"""The client cases of ../shared/cases (B09, B10, B12), each checked against its expected."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from stixhub.client import Query, TaxiiClient
from tests.taxii.client.conftest import API_ROOT, Reply, Script, replies

Scripted = Callable[..., tuple[TaxiiClient, Script]]
CASES = Path("/work/shared/cases")


def case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text())
    assert data["component"] == "client"
    return data


def media(value: str) -> tuple[str, dict[str, str]]:
    essence, *params = value.split(";")
    parsed = {}
    for p in params:
        k, _, v = p.partition("=")
        parsed[k.strip().lower()] = v.strip()
    return essence.strip().lower(), parsed


class TestCases:
    """Each case's expected holds for our client."""

    def test_b09_accept_header(self, scripted: Scripted) -> None:
        """B09: every request lists the TAXII 2.1 media type, so no 406 and objects arrive."""
        c = case("B09")
        server = c["input"]["mock_server"]
        discovery, root = server["discovery"], server["api_root"]
        coll = server["collection_id"]
        obj = {"type": "indicator", "spec_version": "2.1", "id": "indicator--1", "modified": "x"}
        seen: list[int] = []

        def answer(request: httpx.Request) -> Reply:
            if "application/taxii+json;version=2.1" not in request.headers.get("accept", ""):
                seen.append(406)
                return Reply(406, {"title": "Not acceptable"})
            url = str(request.url)
            if url == discovery:
                return Reply(body={"title": "d", "default": root, "api_roots": [root]})
            if url == root:
                return Reply(body=API_ROOT)
            if url == f"{root}collections/{coll}/":
                body = {"id": coll, "title": "c", "can_read": True, "can_write": False}
                return Reply(body=body)
            assert url == f"{root}collections/{coll}/objects/"
            return Reply(body={"more": False, "objects": [obj]})

        client, script = scripted(answer, url=discovery, api_root={})
        script.api_root = None
        client.discover()
        assert client.collection(coll).can_read
        received = list(client.iter_objects(coll))
        expected = c["expected"]
        for request in script.requests:
            assert expected["every_request_header_accept_contains"] in request.headers["accept"]
        assert (406 not in seen) is expected["no_http_406_seen"]
        assert bool(received) is expected["objects_received"]

    def test_b10_content_type_on_post(self, scripted: Scripted) -> None:
        """B10: Add Objects sends an envelope as application/taxii+json;version=2.1."""
        c = case("B10")
        coll = c["input"]["mock_server"]["collection_id"]
        statuses: list[int] = []

        def answer(request: httpx.Request) -> Reply:
            if request.headers.get("content-type") != "application/taxii+json;version=2.1":
                statuses.append(415)
                return Reply(415, {"title": "Unsupported media type"})
            status = {"id": "s", "status": "complete", "total_count": 1, "success_count": 1}
            return Reply(202, status)

        client, script = scripted(answer)
        assert client.add_objects(coll, c["input"]["objects"]).ok
        (post,) = script.requests
        expected = c["expected"]
        assert post.method == expected["request_method"]
        assert post.url.path.endswith(expected["request_path_endswith"])
        essence, params = media(post.headers["content-type"])
        assert essence == expected["request_header_content_type_media_type"]
        assert params["version"] == expected["request_header_content_type_param_version"]
        assert expected["request_header_accept_contains"] in post.headers["accept"]
        assert set(expected["request_body_json_has_keys"]) <= set(json.loads(post.content))
        assert (415 not in statuses) is expected["no_http_415_seen"]

    def test_b12_next_without_added_after(self, scripted: Scripted) -> None:
        """B12: the follow-up is the original query plus next, with no added_after."""
        c = case("B12")
        canned = []
        for r in c["input"]["mock_server"]["responses"]:
            headers = dict(r["headers"])
            content_type = headers.pop("Content-Type")
            canned.append(Reply(r["status"], r["body"], headers, content_type))
        client, script = scripted(replies(*canned))
        initial = c["input"]["initial_query"]
        query = Query(types=[initial["match[type]"]], limit=int(initial["limit"]))
        got = [o["id"] for o in client.iter_objects("2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d", query)]
        expected = c["expected"]
        assert len(script.requests) == expected["request_count"]
        second = dict(script.requests[1].url.params)
        assert second == expected["second_request_query_exact"]
        for name in expected["second_request_query_absent"]:
            assert name not in second
        assert got == expected["objects_received_ids"]


@pytest.mark.parametrize("name", ["B09", "B10", "B12"])
def test_case_files_are_client_cases(name: str) -> None:
    """The three case files exist and are the client's (a rename would otherwise hide)."""
    assert case(name)["id"] == name
