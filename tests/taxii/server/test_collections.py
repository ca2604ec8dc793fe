"""Collections and collection (TAXII 2.1 sections 5.1, 5.2)."""

import uuid
from collections.abc import Callable

from stixhub.taxii.server import STIX_21
from tests.taxii.server.conftest import HIDDEN, INTEL, PUBLIC, SIGHTINGS, Hub


def _ids(hub: Hub, who: str) -> list[str]:
    r = hub.get("/api1/collections/", who)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json().get("collections", [])]


class TestCollections:
    """GET {api-root}/collections/ lists the collections the caller may see."""

    def test_admin_sees_every_collection(self, hub: Hub) -> None:
        """5.1: a caller with rights everywhere sees all four collections."""
        assert set(_ids(hub, "admin")) == {INTEL, SIGHTINGS, PUBLIC, HIDDEN}

    def test_list_is_filtered_per_caller(self, hub: Hub) -> None:
        """5.1 / 1.6.9: a caller sees only collections it may read or write, plus public ones."""
        assert set(_ids(hub, "reader")) == {INTEL, SIGHTINGS, PUBLIC}
        assert set(_ids(hub, "writer")) == {INTEL, PUBLIC}

    def test_no_visible_collection_gives_empty_object(
        self, hub_factory: Callable[..., Hub]
    ) -> None:
        """5.1.1: with no visible collection the collections key is omitted and the body is {}."""
        hub = hub_factory()
        # api1 has a public collection; a second API root without one shows {} to nobody.
        hub.store.create_api_root("api2", "API two")
        hub.store.create_collection("api2", "Private")
        r = hub.get("/api2/collections/", "nobody")
        assert r.status_code == 200, r.text
        assert r.json() == {}

    def test_order_is_stable(self, hub: Hub) -> None:
        """3.3: repeated calls list the collections in the same order."""
        first = _ids(hub, "admin")
        assert all(_ids(hub, "admin") == first for _ in range(3))

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """5.1: an authentication failure gives 401 with WWW-Authenticate (our choice over 404)."""
        r = hub.get("/api1/collections/", "anonymous")
        assert r.status_code == 401
        assert "basic" in r.headers["www-authenticate"].lower()

    def test_unknown_api_root_is_404(self, hub: Hub) -> None:
        """5.1: collections of an API root that does not exist gives 404."""
        assert hub.get("/nope/collections/").status_code == 404

    def test_without_trailing_slash(self, hub: Hub) -> None:
        """integrations 1: /api1/collections without the slash is served, not redirected."""
        r = hub.get("/api1/collections")
        assert r.status_code == 200, r.text
        assert r.json()["collections"]

    def test_ids_are_uuid4(self, hub: Hub) -> None:
        """2 / 5.2.1: every collection id is an RFC 4122 version-4 UUID."""
        for cid in _ids(hub, "admin"):
            assert uuid.UUID(cid).version == 4
            assert str(uuid.UUID(cid)) == cid


class TestCollection:
    """GET {api-root}/collections/{id}/ describes one collection for the caller."""

    def test_required_properties(self, hub: Hub) -> None:
        """5.2.1: id, title, can_read and can_write are present, with JSON booleans."""
        r = hub.get(hub.url(INTEL))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["id"] == INTEL
        assert body["title"] == "Intel"
        assert body["can_read"] is True
        assert body["can_write"] is True

    def test_rights_are_the_callers_own(self, hub: Hub) -> None:
        """5.2.1: can_read/can_write describe the calling client, so users see different values."""
        reader = hub.get(hub.url(INTEL), "reader").json()
        writer = hub.get(hub.url(INTEL), "writer").json()
        assert (reader["can_read"], reader["can_write"]) == (True, False)
        assert (writer["can_read"], writer["can_write"]) == (False, True)

    def test_public_collection_is_readable_by_anyone(self, hub: Hub) -> None:
        """5.2.1: a public collection shows can_read true even to a user without a grant."""
        body = hub.get(hub.url(PUBLIC), "nobody").json()
        assert (body["can_read"], body["can_write"]) == (True, False)

    def test_media_types_list_stix_21(self, hub: Hub) -> None:
        """5.2.1: media_types, when present, lists the STIX 2.1 media type the collection holds."""
        body = hub.get(hub.url(INTEL)).json()
        assert body.get("media_types", [STIX_21]) == [STIX_21]

    def test_media_types_list_stix_20_when_accepted(self, hub_factory: Callable[..., Hub]) -> None:
        """5.2.1: a hub that accepts STIX 2.0 lists its media type among what collections hold."""
        hub = hub_factory(accept_stix20=True)
        body = hub.get(hub.url(INTEL)).json()
        assert body["media_types"] == [STIX_21, "application/stix+json;version=2.0"]

    def test_manifest_names_the_stix_20_media_type(self, hub_factory: Callable[..., Hub]) -> None:
        """5.3.1: a stored STIX 2.0 object's manifest entry carries the 2.0 media type."""
        hub = hub_factory(accept_stix20=True)
        old = {
            "type": "indicator",
            "id": "indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38",
            "created": "2017-01-01T00:00:00.000Z",
            "modified": "2017-01-01T00:00:00.000Z",
            "labels": ["malicious-activity"],
            "pattern": "[ipv4-addr:value = '198.51.100.1']",
            "valid_from": "2017-01-01T00:00:00Z",
        }
        hub.post_objects([old])
        (entry,) = hub.get(hub.url(INTEL, rest="manifest/")).json()["objects"]
        assert entry["media_type"] == "application/stix+json;version=2.0"

    def test_alias_is_usable_in_urls(self, hub: Hub) -> None:
        """5.2.1: the alias may be used in place of the id in URLs."""
        r = hub.get("/api1/collections/intel/")
        assert r.status_code == 200, r.text
        assert r.json()["id"] == INTEL
        assert r.json()["alias"] == "intel"

    def test_alias_works_for_objects(self, hub: Hub) -> None:
        """5.2.1: objects are reachable through the collection's alias."""
        assert hub.get("/api1/collections/intel/objects/").status_code == 200

    def test_invisible_collection_is_404_not_403(self, hub: Hub) -> None:
        """5.2 / 3.6: a valid user who may not see a collection gets 404, never 403."""
        r = hub.get(hub.url(HIDDEN), "reader")
        assert r.status_code == 404
        assert r.json()["http_status"] == "404"

    def test_hidden_and_missing_look_the_same(self, hub: Hub) -> None:
        """3.6 / App. B: a 404 for a hidden collection is identical to one for a missing one."""
        hidden = hub.get(hub.url(HIDDEN), "reader")
        missing = hub.get(hub.url(str(uuid.uuid4())), "reader")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()

    def test_unknown_collection_is_404(self, hub: Hub) -> None:
        """5.2: a collection id that does not exist gives 404 with an error body."""
        r = hub.get(hub.url(str(uuid.uuid4())))
        assert r.status_code == 404
        assert r.json()["title"]

    def test_anonymous_on_private_collection_gets_401(self, hub: Hub) -> None:
        """5.2: an anonymous request for a private collection gets 401 with WWW-Authenticate."""
        r = hub.get(hub.url(INTEL), "anonymous")
        assert r.status_code == 401
        assert "www-authenticate" in r.headers

    def test_wrong_password_gets_401(self, hub: Hub) -> None:
        """5.2: wrong credentials give 401 with WWW-Authenticate, not 404 or 403."""
        headers = {**hub.headers["admin"], "Authorization": "Basic YWRtaW46d3Jvbmc="}
        r = hub.client.get(hub.url(INTEL), headers=headers)
        assert r.status_code == 401
        assert "www-authenticate" in r.headers

    def test_without_trailing_slash(self, hub: Hub) -> None:
        """integrations 1: a collection URL without the trailing slash is served."""
        assert hub.get(f"/api1/collections/{INTEL}").status_code == 200
