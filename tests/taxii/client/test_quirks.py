"""What real servers do that the spec does not say, each tolerated (issue 5's list)."""

from collections.abc import Callable

import httpx
import pytest

from stixhub.client import (
    ClientConfigError,
    ConnectionFailed,
    InvalidResponse,
    NotFound,
    Query,
    TaxiiClient,
)
from tests.taxii.client.conftest import API_ROOT, Reply, Script, indicator, replies

Scripted = Callable[..., tuple[TaxiiClient, Script]]
C = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"


def status(**extra: object) -> dict[str, object]:
    """A complete status resource for one object."""
    return {
        "id": "s1",
        "status": "complete",
        "total_count": 1,
        "success_count": 1,
        "failure_count": 0,
        "pending_count": 0,
        **extra,
    }


class TestQuirks:
    """One scripted server per quirk."""

    def test_http_status_as_a_number(self, scripted: Scripted) -> None:
        """An error body with a numeric http_status is read, as the string the spec wants."""
        body = {"title": "No such collection", "description": "gone", "http_status": 404}
        client, _ = scripted(replies(Reply(404, body)))
        with pytest.raises(NotFound) as caught:
            client.collection(C)
        assert caught.value.status_code == 404
        assert caught.value.error is not None
        assert caught.value.error.http_status == "404"
        assert caught.value.error.title == "No such collection"
        assert "No such collection: gone" in str(caught.value)

    def test_no_date_headers_on_empty_page(self, scripted: Scripted) -> None:
        """An empty page without X-TAXII-Date-Added headers is an empty, finished result."""
        client, _ = scripted(replies(Reply(body={"more": False})))
        pages = list(client.objects_pages(C))
        assert [p.items for p in pages] == [()]
        assert pages[0].date_added_last is None

    def test_200_instead_of_202_on_post(self, scripted: Scripted) -> None:
        """A status answered with 200 to Add Objects is read like a 202."""
        client, _ = scripted(replies(Reply(200, status())))
        result = client.add_objects(C, indicator(1))
        assert result.ok
        assert result.statuses[0].id == "s1"

    def test_status_without_per_object_lists(self, scripted: Scripted) -> None:
        """A complete status with counts but no lists: no failures means every object stored."""
        client, _ = scripted(replies(Reply(202, status(total_count=2, success_count=2))))
        result = client.add_objects(C, [indicator(1), indicator(2)])
        assert [r.outcome for r in result.results] == ["success", "success"]

    def test_status_without_lists_but_with_failures(self, scripted: Scripted) -> None:
        """Failures counted but not listed leave each object unknown, with the reason."""
        body = status(total_count=2, success_count=1, failure_count=1)
        client, _ = scripted(replies(Reply(202, body)))
        result = client.add_objects(C, [indicator(1), indicator(2)])
        assert result.unknown_count == 2
        assert "does not say which" in (result.results[0].message or "")

    def test_url_without_trailing_slash(self, scripted: Scripted) -> None:
        """A configured URL without its trailing slash still builds TAXII URLs with them."""
        client, script = scripted(
            replies(Reply(body={"collections": []})), url="https://taxii.example/api1"
        )
        assert client.url == "https://taxii.example/api1/"
        assert client.collections() == []
        assert script.requests[0].url.path == "/api1/collections/"

    def test_application_json_response(self, scripted: Scripted) -> None:
        """A server that labels TAXII answers application/json is still read."""
        reply = Reply(
            body={"more": False, "objects": [indicator(1)]}, content_type="application/json"
        )
        client, _ = scripted(replies(reply))
        assert [o["id"] for o in client.iter_objects(C)] == [indicator(1)["id"]]

    def test_more_without_next(self, scripted: Scripted) -> None:
        """more: true without next continues by date (see test_paging for the ties)."""
        first = Reply(
            body={"more": True, "objects": [indicator(1)]},
            headers={"X-TAXII-Date-Added-Last": "2024-01-01T00:00:00.000001Z"},
        )
        second = Reply(
            body={"more": False, "objects": [indicator(2)]},
            headers={"X-TAXII-Date-Added-Last": "2024-01-01T00:00:00.000002Z"},
        )
        client, script = scripted(replies(first, second))
        assert [o["id"] for o in client.iter_objects(C)] == [indicator(1)["id"], indicator(2)["id"]]
        assert script.requests[1].url.params["added_after"] == "2024-01-01T00:00:00.000000Z"

    def test_server_ignores_limit(self, scripted: Scripted) -> None:
        """A page bigger than the limit asked for is taken whole, nothing dropped."""
        objects = [indicator(n) for n in range(1, 6)]
        client, _ = scripted(replies(Reply(body={"more": False, "objects": objects})))
        got = [o["id"] for o in client.iter_objects(C, Query(limit=2))]
        assert got == [o["id"] for o in objects]

    def test_accept_header_on_every_request(self, scripted: Scripted) -> None:
        """Every request asks for application/taxii+json;version=2.1 and names stixhub."""
        client, script = scripted(replies(Reply(body={"collections": []})))
        client.collections()
        for request in [*script.root_requests, *script.requests]:
            assert request.headers["accept"] == "application/taxii+json;version=2.1"
            assert request.headers["user-agent"].startswith("stixhub/")


class TestRefusedAnswers:
    """Answers the client cannot read are typed errors, never tracebacks."""

    @pytest.mark.parametrize(
        ("reply", "message"),
        [
            (Reply(body=b"<html>login</html>", content_type="text/html"), "text/html"),
            (Reply(body=b"{nope", content_type="application/taxii+json"), "not valid JSON"),
            (Reply(body=[1, 2]), "not a JSON object"),
            (Reply(body={"collections": {}}), "must be a list"),
            (Reply(body=b"{}", content_type=None), "without a media type"),
            (
                Reply(body={}, content_type="application/taxii+json;version=2.0"),
                "version=2.0",
            ),
        ],
    )
    def test_bad_answer(self, scripted: Scripted, reply: Reply, message: str) -> None:
        """HTML, broken JSON, a list, a wrong shape, no or another TAXII version: refused."""
        client, _ = scripted(replies(reply))
        with pytest.raises(InvalidResponse, match=message):
            client.collections()

    def test_discovery_with_several_roots_and_no_default(self, scripted: Scripted) -> None:
        """Discovery with two API roots and no default asks the user to choose."""
        body = {"title": "d", "api_roots": ["/a/", "https://other.example/b"]}
        client, _ = scripted(replies(Reply(body=body)), url="https://taxii.example/taxii2/")
        discovery = client.discover()
        assert discovery.api_roots == ("https://taxii.example/a/", "https://other.example/b/")
        client2, _ = scripted(replies(Reply(body=body)), url="https://taxii.example/taxii2/")
        with pytest.raises(ClientConfigError, match="2 API roots and no default"):
            client2.collections()

    def test_api_root_url_is_used_directly(self, scripted: Scripted) -> None:
        """A configured API root URL is recognised by its resource and used as the root."""
        client, script = scripted(replies(), api_root={})
        script.api_root = None
        script.answer = lambda r: Reply(body=API_ROOT)
        assert client.resolve_api_root() == "https://taxii.example/api1/"
        assert client.api_root().max_content_length == 1_000_000

    def test_transport_is_not_leaked(self, scripted: Scripted) -> None:
        """httpx's own exceptions never leave the client."""

        def broken(request: httpx.Request) -> Reply:
            raise httpx.ReadError("connection reset")

        client, _ = scripted(broken)
        with pytest.raises(ConnectionFailed, match="ReadError: connection reset") as caught:
            client.collections()
        assert caught.value.__cause__ is None
