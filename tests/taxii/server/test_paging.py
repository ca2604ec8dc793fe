"""Paging: limit, more, next and its checks (TAXII 2.1 sections 3.4, 3.5, 3.7, App. B)."""

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from stixhub.settings import Settings
from stixhub.stix import format_taxii_timestamp
from stixhub.taxii.server import create_app
from stixhub.taxii.server._paging import Cursor, CursorCodec
from tests.taxii.server.conftest import HIDDEN, INTEL, SIGHTINGS, Hub, indicator

T0 = 1_710_000_000_000_000
V2 = "2024-03-02T10:00:00.000Z"


def post_at(hub: Hub, micros: int, objects: list[dict[str, Any]], collection: str = INTEL) -> None:
    """Post objects so that the first one gets date_added ``micros``."""
    hub.clock[0] = micros - 1
    r = hub.post_objects(objects, collection=collection)
    assert r.status_code == 202, r.text
    assert r.json()["failure_count"] == 0, r.text


def oid(n: int) -> str:
    return str(indicator(n)["id"])


def five(hub: Hub, collection: str = INTEL) -> None:
    post_at(hub, T0, [indicator(n) for n in range(1, 6)], collection)


def page(hub: Hub, rest: str = "objects/", who: str = "admin", **params: str) -> Any:
    return hub.get(hub.url(rest=rest), who, params=params)


def ids(r: Any, key: str = "objects") -> list[str]:
    assert r.status_code == 200, r.text
    return [o if isinstance(o, str) else o["id"] for o in r.json().get(key, [])]


class TestLimit:
    """3.4: limit caps a page; more says items were held back."""

    def test_page_never_exceeds_limit(self, hub: Hub) -> None:
        """3.4: a page never holds more items than the client's limit."""
        five(hub)
        r = page(hub, limit="2")
        assert ids(r) == [oid(1), oid(2)]
        assert r.json()["more"] is True

    def test_everything_fits_in_one_page(self, hub: Hub) -> None:
        """3.4: a set no larger than the limit comes in one page with more absent or false."""
        five(hub)
        r = page(hub, limit="5")
        assert len(ids(r)) == 5
        assert r.json().get("more", False) is False
        assert "next" not in r.json()

    def test_more_true_comes_with_next(self, hub: Hub) -> None:
        """3.4 / integrations 1: more true always comes with a next token."""
        five(hub)
        body = page(hub, limit="1").json()
        assert body["more"] is True
        assert isinstance(body["next"], str)
        assert body["next"]

    def test_server_cap_holds_back_and_says_more(self, hub_factory: Callable[..., Hub]) -> None:
        """3.4: when the server cap is below the limit, the page is smaller and more is true."""
        hub = hub_factory(max_page_size=2, default_page_size=2)
        five(hub)
        r = page(hub, limit="4")
        assert ids(r) == [oid(1), oid(2)]
        assert r.json()["more"] is True

    def test_default_page_size_applies_without_limit(self, hub_factory: Callable[..., Hub]) -> None:
        """3.4: without limit the server's default page size applies and more says so."""
        hub = hub_factory(default_page_size=3)
        five(hub)
        r = page(hub)
        assert len(ids(r)) == 3
        assert r.json()["more"] is True

    def test_huge_limit_is_clamped_not_refused(self, hub: Hub) -> None:
        """3.4: a well-formed integer limit above the server cap is clamped, not a 400."""
        five(hub)
        r = page(hub, limit=str(2**53 - 1))
        assert r.status_code == 200, r.text
        assert len(ids(r)) == 5


class TestNextPaging:
    """3.4 / 3.5: next tokens continue a query to its end."""

    @pytest.mark.parametrize("rest", ["objects/", "manifest/"])
    def test_next_walks_all_pages_in_order(self, hub: Hub, rest: str) -> None:
        """3.3 / 3.4: paging with next returns every item once, in date_added order."""
        five(hub)
        r = page(hub, rest, limit="2")
        seen = ids(r)
        while r.json().get("more"):
            r = page(hub, rest, limit="2", next=r.json()["next"])
            seen += ids(r)
        assert seen == [oid(n) for n in range(1, 6)]

    def test_next_page_respects_limit(self, hub: Hub) -> None:
        """3.4: a follow-up page with next never holds more items than the limit sent with it."""
        five(hub)
        first = page(hub, limit="2").json()
        r = page(hub, limit="2", next=first["next"])
        assert ids(r) == [oid(3), oid(4)]
        assert r.json()["more"] is True

    def test_next_replays_filters_when_client_drops_them(self, hub: Hub) -> None:
        """integrations 1 (item 5): next replays the original filters when the client omits them."""
        post_at(hub, T0, [indicator(n) for n in range(1, 7)])
        params = {
            "added_after": format_taxii_timestamp(T0),
            "match[id]": ",".join(oid(n) for n in (1, 2, 4, 5, 6)),
            "limit": "2",
        }
        first = page(hub, **params)
        assert ids(first) == [oid(2), oid(4)]
        r = page(hub, limit="2", next=first.json()["next"])
        assert ids(r) == [oid(5), oid(6)]
        assert r.json().get("more", False) is False

    def test_next_with_same_filters_is_accepted(self, hub: Hub) -> None:
        """3.4: next sent back with the same filters as the first request continues the query."""
        five(hub)
        params = {"match[type]": "indicator", "limit": "3"}
        first = page(hub, **params)
        r = page(hub, **params, next=first.json()["next"])
        assert ids(r) == [oid(4), oid(5)]

    def test_next_when_client_drops_only_added_after(self, hub: Hub) -> None:
        """integrations 1 (item 5): a client keeping match[type] but dropping added_after pages."""
        five(hub)
        params = {"added_after": format_taxii_timestamp(T0 - 1), "match[type]": "indicator"}
        first = page(hub, limit="2", **params)
        r = page(hub, limit="2", next=first.json()["next"], **{"match[type]": "indicator"})
        assert ids(r) == [oid(3), oid(4)]

    def test_next_survives_a_new_server_process(self, hub: Hub) -> None:
        """integrations 1 (item 5): a token is self-contained and works on a fresh app instance."""
        five(hub)
        token = page(hub, limit="2").json()["next"]
        app = create_app(Settings(db=str(hub.store.engine.url.render_as_string(False))), hub.store)
        with TestClient(app, base_url="https://testserver") as other:
            r = other.get(
                hub.url(rest="objects/"),
                headers=hub.headers["admin"],
                params={"limit": "2", "next": token},
            )
        assert ids(r) == [oid(3), oid(4)]

    def test_versions_are_paged(self, hub: Hub) -> None:
        """5.8: the versions endpoint pages with limit and next."""
        for day in range(1, 5):
            post_at(hub, T0 + day, [indicator(1, modified=f"2024-03-0{day}T10:00:00.000Z")])
        url = hub.url(rest=f"objects/{oid(1)}/versions/")
        r = hub.get(url, params={"limit": "3"})
        body = r.json()
        assert len(body["versions"]) == 3
        assert body["more"] is True
        r = hub.get(url, params={"limit": "3", "next": body["next"]})
        assert r.json()["versions"] == ["2024-03-04T10:00:00.000Z"]

    def test_object_by_id_is_paged(self, hub: Hub) -> None:
        """5.6: the object endpoint pages all versions with limit and next."""
        for day in range(1, 4):
            post_at(hub, T0 + day, [indicator(1, modified=f"2024-03-0{day}T10:00:00.000Z")])
        url = hub.url(rest=f"objects/{oid(1)}/")
        params = {"match[version]": "all", "limit": "2"}
        body = hub.get(url, params=params).json()
        assert [o["modified"][:10] for o in body["objects"]] == ["2024-03-01", "2024-03-02"]
        r = hub.get(url, params={**params, "next": body["next"]})
        assert [o["modified"][:10] for o in r.json()["objects"]] == ["2024-03-03"]

    def test_empty_follow_up_page_after_delete(self, hub: Hub) -> None:
        """3.5: a follow-up page may be empty when the remaining items were deleted meanwhile."""
        post_at(hub, T0, [indicator(1), indicator(2)])
        first = page(hub, limit="1").json()
        hub.client.delete(hub.url(rest=f"objects/{oid(2)}/"), headers=hub.headers["admin"])
        r = page(hub, limit="1", next=first["next"])
        assert r.status_code == 200, r.text
        assert "objects" not in r.json()
        assert r.json().get("more", False) is False

    def test_manifest_carries_next(self, hub: Hub) -> None:
        """3.4 open point: the manifest emits next with more true, like the envelope."""
        five(hub)
        body = page(hub, "manifest/", limit="2").json()
        assert body["more"] is True
        assert body["next"]


class TestBadNext:
    """App. B / 3.4 (our choice): a next token that cannot be trusted gives 400."""

    def _token(self, hub: Hub, rest: str = "objects/", **params: str) -> str:
        five(hub)
        return str(page(hub, rest, limit="1", **params).json()["next"])

    def _bad(self, r: Any) -> None:
        assert r.status_code == 400, r.text
        assert r.json()["http_status"] == "400"
        assert "objects" not in r.json()

    @pytest.mark.parametrize("token", ["abc", "!!!", "a.b.c", "é.é", "x" * 9000, "."])
    def test_malformed_token(self, hub: Hub, token: str) -> None:
        """App. B: a malformed next token is refused with 400."""
        five(hub)
        self._bad(page(hub, next=token))

    def test_empty_token(self, hub: Hub) -> None:
        """3.4: an empty next parameter is malformed: 400."""
        self._bad(page(hub, next=""))

    def test_tampered_token(self, hub: Hub) -> None:
        """App. B: a token with one changed character is refused with 400."""
        token = self._token(hub)
        body, _, mac = token.partition(".")
        flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
        self._bad(page(hub, next=f"{flipped}.{mac}"))

    def test_foreign_token(self, hub: Hub) -> None:
        """App. B: a token signed with another key (another server) is refused with 400."""
        five(hub)
        codec = CursorCodec(secrets.token_bytes(32))
        token = codec.encode(Cursor(INTEL, "objects", {}, T0))
        self._bad(page(hub, next=token))

    def test_token_for_another_collection(self, hub: Hub) -> None:
        """App. B: a token issued for one collection is refused on another."""
        five(hub, SIGHTINGS)
        token = str(hub.get(hub.url(SIGHTINGS, "objects/"), params={"limit": "1"}).json()["next"])
        five(hub)
        self._bad(page(hub, next=token))

    def test_token_for_another_endpoint(self, hub: Hub) -> None:
        """App. B: an objects token is refused on the manifest, and the other way round."""
        token = self._token(hub)
        self._bad(page(hub, "manifest/", next=token))
        manifest_token = str(page(hub, "manifest/", limit="1").json()["next"])
        self._bad(page(hub, next=manifest_token))

    def test_token_for_another_object(self, hub: Hub) -> None:
        """App. B: a token for one object's versions is refused on another object's versions."""
        for n in (1, 2):
            post_at(hub, T0 + 10 * n, [indicator(n)])
            post_at(hub, T0 + 10 * n + 1, [indicator(n, modified=V2)])
        url = hub.url(rest=f"objects/{oid(1)}/versions/")
        token = hub.get(url, params={"limit": "1"}).json()["next"]
        r = hub.get(hub.url(rest=f"objects/{oid(2)}/versions/"), params={"next": token})
        self._bad(r)

    def test_token_with_different_filters(self, hub: Hub) -> None:
        """3.4: a token sent with filters other than those of the first request is refused."""
        token = self._token(hub, **{"match[type]": "indicator"})
        self._bad(page(hub, next=token, **{"match[type]": "malware"}))
        self._bad(page(hub, next=token, **{"match[type]": "indicator", "match[id]": oid(1)}))

    def test_token_does_not_outlive_rights(self, hub: Hub) -> None:
        """App. B: a token is re-checked against the caller's rights: another user gets 404."""
        five(hub, HIDDEN)
        token = hub.get(hub.url(HIDDEN, "objects/"), params={"limit": "1"}).json()["next"]
        r = hub.get(hub.url(HIDDEN, "objects/"), "reader", params={"next": token})
        assert r.status_code == 404
        assert "objects" not in r.json()

    def test_token_cannot_widen_the_query(self, hub: Hub) -> None:
        """App. B: a signed token only replays its own filters: the page stays inside them."""
        five(hub)
        first = page(hub, limit="1", **{"match[id]": f"{oid(1)},{oid(2)}"})
        r = page(hub, limit="10", next=first.json()["next"])
        assert ids(r) == [oid(2)]
