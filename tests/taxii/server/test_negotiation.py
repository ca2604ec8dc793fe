"""Media types and content negotiation (TAXII 2.1 sections 1.6.8, 3.1)."""

from typing import Any

import pytest

from stixhub.taxii.server import TAXII_21
from tests.taxii.server.conftest import INTEL, Hub, indicator

OID = str(indicator(1)["id"])
GET_PATHS = [
    "/taxii2/",
    "/api1/",
    "/api1/collections/",
    f"/api1/collections/{INTEL}/",
    f"/api1/collections/{INTEL}/manifest/",
    f"/api1/collections/{INTEL}/objects/",
    f"/api1/collections/{INTEL}/objects/{OID}/",
    f"/api1/collections/{INTEL}/objects/{OID}/versions/",
]


def get(hub: Hub, path: str, accept: str | None) -> Any:
    headers = dict(hub.headers["admin"])
    if accept is None:
        del headers["Accept"]
    else:
        headers["Accept"] = accept
    return hub.client.get(path, headers=headers)


@pytest.fixture
def stocked(hub: Hub) -> Hub:
    """The hub with one indicator in INTEL, so every GET path has something to serve."""
    assert hub.post_objects([indicator(1)]).status_code == 202
    return hub


class TestAccept:
    """3.1: Accept values that must, may and must not be served."""

    @pytest.mark.parametrize("path", GET_PATHS)
    def test_taxii_21_is_served_on_every_endpoint(self, stocked: Hub, path: str) -> None:
        """3.1: the defined Accept value never produces 406, and the reply is the TAXII type."""
        r = get(stocked, path, TAXII_21)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_21

    @pytest.mark.parametrize(
        "accept",
        [
            "application/taxii+json",
            "application/taxii+json ; version=2.1",
            "application/taxii+json; version=2.1",
            "*/*",
            "application/*",
            "application/json, application/taxii+json;version=2.1",
            "APPLICATION/TAXII+JSON;VERSION=2.1",
            'application/taxii+json;version="2.1"',
        ],
    )
    def test_accept_spellings_are_served(self, stocked: Hub, accept: str) -> None:
        """3.1 / integrations 1: bare type, spaces around ';', '*/*' are answered with 2.1."""
        r = get(stocked, f"/api1/collections/{INTEL}/objects/", accept)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_21

    def test_missing_accept_is_served(self, stocked: Hub) -> None:
        """3.1 (MAY) / 8.2.1: a request without Accept is answered rather than refused."""
        r = get(stocked, f"/api1/collections/{INTEL}/objects/", None)
        assert r.status_code == 200, r.text

    @pytest.mark.parametrize(
        "accept",
        [
            "application/taxii+json;version=2.0",
            "application/taxii+json;version=3.0",
            "application/xml",
            "text/html",
            "application/taxii+json;version=2.1;q=0",
        ],
    )
    def test_other_versions_and_types_get_406(self, stocked: Hub, accept: str) -> None:
        """3.1 / integrations 1: an explicit other version (or another type) gets 406."""
        r = get(stocked, f"/api1/collections/{INTEL}/objects/", accept)
        assert r.status_code == 406, r.text
        assert r.headers["content-type"] == TAXII_21
        assert r.json()["http_status"] == "406"

    @pytest.mark.parametrize("path", GET_PATHS)
    def test_406_on_every_endpoint(self, stocked: Hub, path: str) -> None:
        """3.1: every GET endpoint answers an unsupported Accept with 406 and an error body."""
        r = get(stocked, path, "application/taxii+json;version=2.0")
        assert r.status_code == 406, r.text
        assert r.json()["title"]

    def test_406_on_post(self, hub: Hub) -> None:
        """5.5: a POST asking for an unsupported response type gets 406 and stores nothing."""
        headers = {
            **hub.headers["admin"],
            "Accept": "application/taxii+json;version=2.0",
            "Content-Type": TAXII_21,
        }
        r = hub.client.post(
            hub.url(rest="objects/"), headers=headers, json={"objects": [indicator(1)]}
        )
        assert r.status_code == 406
        assert hub.store.count_objects(INTEL) == 0

    def test_406_on_delete(self, stocked: Hub) -> None:
        """3.1: a DELETE asking for an unsupported response type gets 406 and deletes nothing."""
        headers = {**stocked.headers["admin"], "Accept": "application/xml"}
        r = stocked.client.delete(stocked.url(rest=f"objects/{OID}/"), headers=headers)
        assert r.status_code == 406
        assert stocked.store.count_objects(INTEL) == 1


class TestResponseContentType:
    """3.1: every response, success or error, carries the TAXII 2.1 media type."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/nowhere/at/all/"),
            ("GET", "/api1/collections/not-a-collection/objects/"),
            ("PUT", f"/api1/collections/{INTEL}/objects/"),
            ("POST", f"/api1/collections/{INTEL}/manifest/"),
            ("PATCH", "/taxii2/"),
            ("DELETE", f"/api1/collections/{INTEL}/"),
        ],
    )
    def test_error_responses_are_taxii_typed(self, hub: Hub, method: str, path: str) -> None:
        """3.1 / 3.6.1: unknown paths and methods answer 404/405 with a typed error body."""
        r = hub.client.request(method, path, headers=hub.headers["admin"])
        assert r.status_code in (404, 405), r.text
        assert r.headers["content-type"] == TAXII_21
        assert r.json()["http_status"] == str(r.status_code)

    def test_delete_success_is_taxii_typed(self, stocked: Hub) -> None:
        """3.1: the 200 of a DELETE carries the TAXII 2.1 media type."""
        r = stocked.client.delete(
            stocked.url(rest=f"objects/{OID}/"), headers=stocked.headers["admin"]
        )
        assert r.status_code == 200
        assert r.headers["content-type"] == TAXII_21

    def test_post_202_is_taxii_typed(self, hub: Hub) -> None:
        """3.1: the 202 of a POST carries the TAXII 2.1 media type."""
        r = hub.post_objects([indicator(1)])
        assert r.headers["content-type"] == TAXII_21

    def test_no_user_agent_is_not_rejected(self, stocked: Hub) -> None:
        """8.2.1: a request without User-Agent is served."""
        headers = {**stocked.headers["admin"], "User-Agent": ""}
        r = stocked.client.get(stocked.url(rest="objects/"), headers=headers)
        assert r.status_code == 200
