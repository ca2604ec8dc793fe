"""Adding objects: POST …/objects/ (TAXII 2.1 sections 4.2.1, 5.5)."""

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from stixhub.taxii.server import STIX_21, TAXII_21
from tests.taxii.server.conftest import HIDDEN, INTEL, PUBLIC, SIGHTINGS, Hub, indicator


def oid(n: int) -> str:
    return str(indicator(n)["id"])


def post_raw(
    hub: Hub,
    content: Any,
    who: str = "admin",
    content_type: str | None = TAXII_21,
    collection: str = INTEL,
    **extra_headers: str,
) -> Any:
    """POST raw bytes (or an iterator of bytes) to a collection's objects endpoint."""
    headers = {**hub.headers[who], **extra_headers}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return hub.client.post(hub.url(collection, "objects/"), headers=headers, content=content)


def stored(hub: Hub, collection: str = INTEL) -> list[dict[str, Any]]:
    r = hub.get(hub.url(collection, "objects/"), params={"match[version]": "all"})
    assert r.status_code == 200, r.text
    return list(r.json().get("objects", []))


def envelope(*objs: dict[str, Any]) -> bytes:
    return json.dumps({"objects": list(objs)}).encode()


class TestAccepted:
    """5.5: a valid envelope is answered with 202 and a status resource."""

    def test_202_with_complete_status(self, hub: Hub) -> None:
        """5.5: a POST is answered with 202 and a status resource, even when done at once."""
        r = hub.post_objects([indicator(1), indicator(2)])
        assert r.status_code == 202, r.text
        assert r.headers["content-type"] == TAXII_21
        body = r.json()
        assert body["status"] == "complete"
        assert (body["total_count"], body["success_count"], body["failure_count"]) == (2, 2, 0)
        assert body["pending_count"] == 0
        assert [o["id"] for o in stored(hub)] == [oid(1), oid(2)]

    def test_bundle_is_accepted(self, hub: Hub) -> None:
        """integrations 1 (item 9): a STIX bundle is accepted on POST like an envelope."""
        bundle = {
            "type": "bundle",
            "id": f"bundle--{uuid.uuid4()}",
            "objects": [indicator(1)],
        }
        r = post_raw(hub, json.dumps(bundle).encode(), content_type=STIX_21)
        assert r.status_code == 202, r.text
        assert r.json()["success_count"] == 1
        assert [o["id"] for o in stored(hub)] == [oid(1)]

    def test_bundle_with_taxii_content_type(self, hub: Hub) -> None:
        """integrations 1 (item 9): a bundle sent as application/taxii+json is accepted too."""
        bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [indicator(3)]}
        r = post_raw(hub, json.dumps(bundle).encode())
        assert r.status_code == 202, r.text
        assert [o["id"] for o in stored(hub)] == [oid(3)]

    def test_write_only_grant_may_post(self, hub: Hub) -> None:
        """5.5: a caller with can_write=true and can_read=false may add objects."""
        r = hub.post_objects([indicator(1)], "writer")
        assert r.status_code == 202, r.text
        assert [o["id"] for o in stored(hub)] == [oid(1)]

    def test_bearer_token_may_post(self, hub: Hub) -> None:
        """8.2.2: a Bearer token with write rights adds objects."""
        r = hub.post_objects([indicator(1)], "reader-token", collection=SIGHTINGS)
        assert r.status_code == 202, r.text

    def test_post_without_trailing_slash(self, hub: Hub) -> None:
        """integrations 1: POST to objects without the trailing slash is served."""
        headers = {**hub.headers["admin"], "Content-Type": TAXII_21}
        r = hub.client.post(
            f"/api1/collections/{INTEL}/objects", headers=headers, content=envelope(indicator(1))
        )
        assert r.status_code == 202, r.text


class TestIdempotence:
    """5.5: re-posting and conflicting versions."""

    def test_identical_repost_is_a_success_and_stores_nothing(self, hub: Hub) -> None:
        """5.5: re-posting an identical version is a success and stores nothing new."""
        hub.post_objects([indicator(1)])
        before = hub.get(hub.url(rest="manifest/")).json()["objects"]
        r = hub.post_objects([indicator(1)])
        assert r.status_code == 202, r.text
        body = r.json()
        assert (body["success_count"], body["failure_count"]) == (1, 0)
        assert body["successes"][0]["id"] == oid(1)
        assert hub.get(hub.url(rest="manifest/")).json()["objects"] == before
        assert hub.store.count_objects(INTEL) == 1

    def test_identical_repost_in_one_envelope(self, hub: Hub) -> None:
        """5.5: the same version twice in one envelope is stored once; both are successes."""
        r = hub.post_objects([indicator(1), indicator(1)])
        body = r.json()
        assert (body["total_count"], body["success_count"], body["failure_count"]) == (2, 2, 0)
        assert hub.store.count_objects(INTEL) == 1

    def test_repost_keeps_date_added(self, hub: Hub) -> None:
        """5.5: an identical re-post does not move the object forward for added_after pollers."""
        hub.post_objects([indicator(1)])
        first = hub.get(hub.url(rest="objects/"))
        hub.post_objects([indicator(1)])
        again = hub.get(hub.url(rest="objects/"))
        assert first.headers["X-TAXII-Date-Added-Last"] == again.headers["X-TAXII-Date-Added-Last"]

    def test_same_version_other_content_fails_others_stored(self, hub: Hub) -> None:
        """5.5: same id and modified with different content is a failure; the others are stored."""
        hub.post_objects([indicator(1)])
        changed = indicator(1, name="something else")
        r = hub.post_objects([indicator(2), changed, indicator(3)])
        assert r.status_code == 202, r.text
        body = r.json()
        assert (body["total_count"], body["success_count"], body["failure_count"]) == (3, 2, 1)
        (failure,) = body["failures"]
        assert failure["id"] == oid(1)
        assert failure["version"] == changed["modified"]
        assert failure["message"]
        served = {o["id"]: o for o in stored(hub)}
        assert set(served) == {oid(1), oid(2), oid(3)}
        assert served[oid(1)]["name"] == indicator(1)["name"]

    def test_new_version_is_stored_alongside(self, hub: Hub) -> None:
        """5.5: a new modified for a known id is stored as a further version."""
        hub.post_objects([indicator(1)])
        r = hub.post_objects([indicator(1, modified="2024-03-02T00:00:00.000Z")])
        assert r.json()["success_count"] == 1
        assert hub.store.count_objects(INTEL) == 2

    def test_invalid_object_fails_alone(self, hub: Hub) -> None:
        """5.5 / 4.3.1: an object failing the checks is a failure with a message; others stored."""
        bad = indicator(2, modified="not a time")
        r = hub.post_objects([indicator(1), bad, "not an object"])  # type: ignore[list-item]
        body = r.json()
        assert (body["total_count"], body["success_count"], body["failure_count"]) == (3, 1, 2)
        assert all(f["message"] for f in body["failures"])
        assert [o["id"] for o in stored(hub)] == [oid(1)]

    def test_unsupported_spec_version_is_refused(self, hub: Hub) -> None:
        """5.5: an object of an unsupported STIX version is refused (422 or a status failure)."""
        obj = indicator(1, spec_version="3.0")
        r = hub.post_objects([obj])
        assert r.status_code in (202, 422), r.text
        if r.status_code == 202:
            assert r.json()["failure_count"] == 1
        assert stored(hub) == []


class TestAccess:
    """5.5: authentication and rights on POST."""

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """5.5: a POST without credentials gets 401 with WWW-Authenticate."""
        r = hub.post_objects([indicator(1)], "anonymous")
        assert r.status_code == 401
        assert "basic" in r.headers["www-authenticate"].lower()

    def test_anonymous_on_public_collection_gets_401(self, hub: Hub) -> None:
        """5.5: an anonymous POST to a publicly readable collection still needs credentials: 401."""
        r = hub.post_objects([indicator(1)], "anonymous", collection=PUBLIC)
        assert r.status_code == 401
        assert stored(hub, PUBLIC) == []

    def test_read_only_gets_403(self, hub: Hub) -> None:
        """5.5: can_write=false on a visible collection gives 403."""
        r = hub.post_objects([indicator(1)], "reader")
        assert r.status_code == 403
        assert r.json()["http_status"] == "403"
        assert stored(hub) == []

    def test_public_read_only_gets_403(self, hub: Hub) -> None:
        """5.5: a user who can only read a public collection gets 403 on POST."""
        assert hub.post_objects([indicator(1)], "nobody", collection=PUBLIC).status_code == 403

    def test_invisible_collection_gets_404(self, hub: Hub) -> None:
        """5.5: a POST to a collection the user may not see gives 404."""
        assert hub.post_objects([indicator(1)], "reader", collection=HIDDEN).status_code == 404

    def test_unknown_collection_gets_404(self, hub: Hub) -> None:
        """5.5: a POST to a collection that does not exist gives 404."""
        r = hub.post_objects([indicator(1)], collection=str(uuid.uuid4()))
        assert r.status_code == 404


class TestContentType:
    """3.1 / 5.5: which Content-Types a POST may carry."""

    @pytest.mark.parametrize(
        "content_type",
        [
            TAXII_21,
            "application/taxii+json",
            "application/taxii+json ; version=2.1",
            "application/taxii+json; version=2.1",
            "Application/TAXII+JSON;Version=2.1",
            'application/taxii+json;version="2.1"',
        ],
    )
    def test_defined_content_type_is_never_415(self, hub: Hub, content_type: str) -> None:
        """3.1 / integrations 1: the TAXII type in its spellings (bare, spaces) is never 415."""
        r = post_raw(hub, envelope(indicator(1)), content_type=content_type)
        assert r.status_code == 202, r.text

    @pytest.mark.parametrize(
        "content_type",
        ["application/taxii+json;version=2.0", "text/plain", "application/xml", None],
    )
    def test_other_content_type_is_415(self, hub: Hub, content_type: str | None) -> None:
        """3.1 / 5.5: an explicit other version, another type or none is 415 with an error body."""
        r = post_raw(hub, envelope(indicator(1)), content_type=content_type)
        assert r.status_code == 415, r.text
        assert r.json()["http_status"] == "415"
        assert r.headers["content-type"] == TAXII_21
        assert stored(hub) == []


class TestTooLarge:
    """4.2.1 / 5.5: max_content_length."""

    def test_body_at_the_limit_is_accepted(self, hub_factory: Callable[..., Hub]) -> None:
        """4.2.1: a body no larger than max_content_length never gets 413."""
        body = envelope(indicator(1))
        hub = hub_factory(max_len=len(body))
        r = post_raw(hub, body)
        assert r.status_code == 202, r.text

    def test_larger_body_with_content_length_is_413(self, hub_factory: Callable[..., Hub]) -> None:
        """5.5: a body larger than max_content_length (Content-Length declared) gets 413."""
        body = envelope(indicator(1))
        hub = hub_factory(max_len=len(body) - 1)
        r = post_raw(hub, body)
        assert r.status_code == 413, r.text
        assert r.json()["http_status"] == "413"
        assert stored(hub) == []

    def test_larger_streamed_body_is_413(self, hub_factory: Callable[..., Hub]) -> None:
        """5.5: a body without Content-Length that grows past max_content_length gets 413."""
        body = envelope(*(indicator(n) for n in range(1, 40)))
        hub = hub_factory(max_len=len(body) // 2)

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), 256):
                yield body[start : start + 256]

        r = post_raw(hub, chunks())
        assert r.status_code == 413, r.text
        assert stored(hub) == []

    def test_small_streamed_body_is_accepted(self, hub_factory: Callable[..., Hub]) -> None:
        """4.2.1: a streamed body (no Content-Length) under the limit is accepted."""
        body = envelope(indicator(1), indicator(2))
        hub = hub_factory(max_len=len(body))
        r = post_raw(hub, iter([body[:10], body[10:]]))
        assert r.status_code == 202, r.text
        assert len(stored(hub)) == 2


class TestUnprocessable:
    """5.5: a body that is no processable envelope gets 422."""

    @pytest.mark.parametrize(
        ("content", "why"),
        [
            (b"{not json", "not JSON"),
            (b"", "empty body"),
            (b"\xff\xfe{}", "not UTF-8"),
            (json.dumps(indicator(1)).encode(), "bare object instead of an envelope"),
            (b'{"objects": {"type": "indicator"}}', "objects is not a list"),
            (b'{"objects": []}', "empty objects list"),
            (b"[]", "a JSON list"),
            (b'"objects"', "a JSON string"),
            (b"{}", "no objects key"),
        ],
    )
    def test_bad_body_is_422(self, hub: Hub, content: bytes, why: str) -> None:
        """5.5: a body that is not a TAXII envelope is answered 422 with an error body."""
        r = post_raw(hub, content)
        assert r.status_code == 422, f"{why}: {r.text}"
        assert r.json()["http_status"] == "422"
        assert r.headers["content-type"] == TAXII_21

    def test_nesting_deeper_than_the_limit_is_422(self, hub_factory: Callable[..., Hub]) -> None:
        """5.5: an envelope nesting deeper than max_json_depth is 422 and nothing is stored."""
        hub = hub_factory(max_json_depth=10)
        deep: Any = "x"
        for _ in range(12):
            deep = {"x_deep": deep}
        r = hub.post_objects([indicator(1, x_acme_deep=deep)])
        assert r.status_code == 422, r.text
        assert stored(hub) == []

    def test_nesting_within_the_limit_is_accepted(self, hub_factory: Callable[..., Hub]) -> None:
        """5.5: an envelope within max_json_depth is accepted."""
        hub = hub_factory(max_json_depth=10)
        deep: Any = "x"
        for _ in range(5):
            deep = {"x_deep": deep}
        assert hub.post_objects([indicator(1, x_acme_deep=deep)]).status_code == 202
