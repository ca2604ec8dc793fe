"""Getting objects, the manifest, an object and its versions (TAXII 2.1 sections 3.2, 3.3,
3.7, 5.3, 5.4, 5.6, 5.8)."""

import re
import uuid
from collections.abc import Callable
from typing import Any

from stixhub.stix import format_taxii_timestamp
from stixhub.taxii.server import STIX_21, TAXII_21
from tests.taxii.server.conftest import INTEL, PUBLIC, SIGHTINGS, TLP_GREEN, Hub, indicator

T0 = 1_710_000_000_000_000
TAXII_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def post_at(hub: Hub, micros: int, objects: list[dict[str, Any]], collection: str = INTEL) -> None:
    """Post objects so that the first one gets date_added ``micros``."""
    hub.clock[0] = micros - 1
    r = hub.post_objects(objects, collection=collection)
    assert r.status_code == 202, r.text
    assert r.json()["failure_count"] == 0, r.text


def oid(n: int) -> str:
    return str(indicator(n)["id"])


def ipv4(value: str, **extra: Any) -> dict[str, Any]:
    """An IPv4 SCO with a deterministic id."""
    return {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": f"ipv4-addr--{uuid.uuid5(uuid.NAMESPACE_URL, value)}",
        "value": value,
        **extra,
    }


class TestObjectsEnvelope:
    """GET …/objects/ returns STIX content in an envelope."""

    def test_single_object_comes_in_an_envelope(self, hub: Hub) -> None:
        """3.7 / 5.4: even one object comes in an envelope with an objects list."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(hub.url(rest="objects/"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_21
        body = r.json()
        assert body["objects"] == [indicator(1)]
        assert body.get("more", False) is False

    def test_no_match_is_an_empty_envelope(self, hub: Hub) -> None:
        """3.7: with no matching objects the envelope omits objects (never an empty list)."""
        r = hub.get(hub.url(rest="objects/"))
        assert r.status_code == 200, r.text
        body = r.json()
        assert "objects" not in body
        assert body.get("more", False) is False
        assert "next" not in body

    def test_no_next_without_more(self, hub: Hub) -> None:
        """3.7: next is never emitted when more is absent or false (our rule)."""
        post_at(hub, T0, [indicator(1), indicator(2)])
        body = hub.get(hub.url(rest="objects/"), params={"limit": "2"}).json()
        assert body.get("more", False) is False
        assert "next" not in body

    def test_objects_are_returned_unchanged(self, hub: Hub) -> None:
        """3.7: every element of objects is the STIX object as posted."""
        obj = indicator(1, x_acme_score=7, labels=["a"])
        post_at(hub, T0, [obj])
        assert hub.get(hub.url(rest="objects/")).json()["objects"] == [obj]

    def test_extension_definition_objects_are_served(self, hub: Hub) -> None:
        """3.7: extension-definition objects are STIX objects and are stored and served."""
        ext = {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e",
            "created_by_ref": "identity--11b76a96-5d2b-45e0-8a5a-f6994f370731",
            "created": "2024-03-01T10:00:00.000Z",
            "modified": "2024-03-01T10:00:00.000Z",
            "name": "acme",
            "schema": "https://acme.example/schema.json",
            "version": "1.0.0",
            "extension_types": ["property-extension"],
        }
        post_at(hub, T0, [ext])
        assert hub.get(hub.url(rest="objects/")).json()["objects"] == [ext]

    def test_sco_without_spec_version_is_served_with_it(self, hub: Hub) -> None:
        """integrations 1 (item 8): every served object carries spec_version, SCOs included."""
        sco = ipv4("198.51.100.9")
        del sco["spec_version"]
        post_at(hub, T0, [sco])
        served = hub.get(hub.url(rest="objects/")).json()["objects"]
        assert served[0]["spec_version"] == "2.1"

    def test_stix20_is_refused_by_default(self, hub: Hub) -> None:
        """5.5 (our choice): STIX 2.0 content is a per-object failure unless accept_stix20 is on."""
        old = indicator(30, labels=["malicious-activity"])
        del old["spec_version"]
        r = hub.post_objects([old, indicator(31)])
        assert r.status_code == 202, r.text
        assert (r.json()["success_count"], r.json()["failure_count"]) == (1, 1)
        assert [o["id"] for o in hub.get(hub.url(rest="objects/")).json()["objects"]] == [oid(31)]

    def test_reader_token_reads(self, hub: Hub) -> None:
        """5.4 / 8.2.2: a Bearer API token with read rights gets the objects."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(hub.url(rest="objects/"), "reader-token")
        assert r.status_code == 200, r.text
        assert r.json()["objects"][0]["id"] == oid(1)

    def test_anonymous_reads_public_collection(self, hub: Hub) -> None:
        """5.4: a public collection is readable without credentials."""
        post_at(hub, T0, [indicator(1)], collection=PUBLIC)
        r = hub.get(hub.url(PUBLIC, "objects/"), "anonymous")
        assert r.status_code == 200, r.text
        assert r.json()["objects"][0]["id"] == oid(1)

    def test_content_type_on_get_is_ignored(self, hub: Hub) -> None:
        """integrations 1: a Content-Type header on a GET (MISP sends one) is ignored."""
        post_at(hub, T0, [indicator(1)])
        headers = {**hub.headers["admin"], "Content-Type": "text/plain"}
        r = hub.client.get(hub.url(rest="objects/"), headers=headers)
        assert r.status_code == 200, r.text

    def test_query_after_path_without_slash(self, hub: Hub) -> None:
        """integrations 1 / 3.1: objects without the trailing slash keep their query string."""
        post_at(hub, T0, [indicator(1), indicator(2)])
        r = hub.get(f"/api1/collections/{INTEL}/objects", params={"limit": "1"})
        assert r.status_code == 200, r.text
        assert len(r.json()["objects"]) == 1


class TestOrdering:
    """3.3: objects and manifest records come back in ascending date_added order."""

    def test_objects_ascend_by_date_added_not_by_modified(self, hub: Hub) -> None:
        """3.3: objects come back oldest date_added first, whatever their modified times."""
        post_at(hub, T0, [indicator(3, modified="2030-01-01T00:00:00.000Z")])
        post_at(hub, T0 + 10, [indicator(1)])
        post_at(hub, T0 + 20, [indicator(2, modified="2024-03-01T10:00:00.001Z")])
        body = hub.get(hub.url(rest="objects/")).json()
        assert [o["id"] for o in body["objects"]] == [oid(3), oid(1), oid(2)]

    def test_manifest_ascends_by_date_added(self, hub: Hub) -> None:
        """3.3: manifest records come back in ascending date_added order."""
        post_at(hub, T0, [indicator(5)])
        post_at(hub, T0 + 10, [indicator(4)])
        records = hub.get(hub.url(rest="manifest/")).json()["objects"]
        assert [r["id"] for r in records] == [oid(5), oid(4)]
        assert records[0]["date_added"] < records[1]["date_added"]

    def test_envelope_order_is_kept_within_one_post(self, hub: Hub) -> None:
        """3.3: objects of one envelope get increasing date_added in envelope order."""
        post_at(hub, T0, [indicator(9), indicator(8), indicator(7)])
        body = hub.get(hub.url(rest="objects/")).json()
        assert [o["id"] for o in body["objects"]] == [oid(9), oid(8), oid(7)]


class TestDateAddedHeaders:
    """3.2: X-TAXII-Date-Added-First/Last on the four paged endpoints."""

    def _check(self, r: Any, first: int, last: int) -> None:
        assert r.status_code == 200, r.text
        assert r.headers["X-TAXII-Date-Added-First"] == format_taxii_timestamp(first)
        assert r.headers["X-TAXII-Date-Added-Last"] == format_taxii_timestamp(last)

    def test_objects_headers(self, hub: Hub) -> None:
        """3.2: objects pages carry the date_added of their first and last object."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 500, [indicator(2)])
        self._check(hub.get(hub.url(rest="objects/")), T0, T0 + 500)

    def test_headers_describe_the_page_not_the_collection(self, hub: Hub) -> None:
        """3.2: with a limit, the headers describe the items in that page only."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 500, [indicator(2)])
        post_at(hub, T0 + 900, [indicator(3)])
        self._check(hub.get(hub.url(rest="objects/"), params={"limit": "2"}), T0, T0 + 500)

    def test_manifest_headers(self, hub: Hub) -> None:
        """3.2: manifest pages carry X-TAXII-Date-Added-First and -Last."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 7, [indicator(2)])
        self._check(hub.get(hub.url(rest="manifest/")), T0, T0 + 7)

    def test_object_headers(self, hub: Hub) -> None:
        """3.2: the object-by-id endpoint carries X-TAXII-Date-Added-First and -Last."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 7, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/"), params={"match[version]": "all"})
        self._check(r, T0, T0 + 7)

    def test_versions_headers(self, hub: Hub) -> None:
        """3.2: the versions endpoint carries X-TAXII-Date-Added-First and -Last."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 7, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        self._check(hub.get(hub.url(rest=f"objects/{oid(1)}/versions/")), T0, T0 + 7)

    def test_headers_are_taxii_timestamps(self, hub: Hub) -> None:
        """2: header values have six fractional digits and a literal Z."""
        post_at(hub, T0 + 1_000_000, [indicator(1)])
        r = hub.get(hub.url(rest="objects/"))
        assert TAXII_TS.fullmatch(r.headers["X-TAXII-Date-Added-First"])
        assert TAXII_TS.fullmatch(r.headers["X-TAXII-Date-Added-Last"])

    def test_empty_page_omits_both_headers(self, hub: Hub) -> None:
        """3.2 open point: an empty page has no date_added, so both headers are left out."""
        r = hub.get(hub.url(rest="objects/"))
        assert r.status_code == 200
        assert "X-TAXII-Date-Added-First" not in r.headers
        assert "X-TAXII-Date-Added-Last" not in r.headers


class TestManifest:
    """GET …/manifest/ (section 5.3)."""

    def test_record_fields(self, hub: Hub) -> None:
        """5.3.1: each record has id, a TAXII-timestamp date_added, version and media_type."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(hub.url(rest="manifest/"))
        assert r.status_code == 200, r.text
        (record,) = r.json()["objects"]
        assert record["id"] == oid(1)
        assert record["date_added"] == format_taxii_timestamp(T0)
        assert record["version"] == "2024-03-01T10:00:00.000Z"
        assert record["media_type"] == STIX_21

    def test_version_keeps_its_stix_precision(self, hub: Hub) -> None:
        """2: manifest versions are STIX timestamps, never reformatted to six digits."""
        post_at(hub, T0, [indicator(1, modified="2024-03-01T10:00:00.100Z")])
        post_at(hub, T0 + 1, [indicator(2, modified="2024-03-01T10:00:00.123456789Z")])
        versions = [r["version"] for r in hub.get(hub.url(rest="manifest/")).json()["objects"]]
        assert versions == ["2024-03-01T10:00:00.100Z", "2024-03-01T10:00:00.123456789Z"]

    def test_one_record_per_version(self, hub: Hub) -> None:
        """5.3.1: there is one manifest record per stored version, not per object."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 1, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        r = hub.get(hub.url(rest="manifest/"), params={"match[version]": "all"})
        assert [x["version"] for x in r.json()["objects"]] == [
            "2024-03-01T10:00:00.000Z",
            "2024-03-02T00:00:00.000Z",
        ]

    def test_default_is_last_version(self, hub: Hub) -> None:
        """3.4.1: without match[version] the manifest lists only the latest version."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 1, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        records = hub.get(hub.url(rest="manifest/")).json()["objects"]
        assert [x["version"] for x in records] == ["2024-03-02T00:00:00.000Z"]

    def test_empty_manifest_omits_objects(self, hub: Hub) -> None:
        """5.3.1: with no records the objects key is omitted and more is absent or false."""
        body = hub.get(hub.url(rest="manifest/")).json()
        assert "objects" not in body
        assert body.get("more", False) is False

    def test_type_filter_applies_to_underlying_objects(self, hub: Hub) -> None:
        """5.3: match[type] filters manifest records by the type of their object."""
        post_at(hub, T0, [indicator(1), ipv4("198.51.100.1")])
        records = hub.get(hub.url(rest="manifest/"), params={"match[type]": "indicator"})
        assert [x["id"] for x in records.json()["objects"]] == [oid(1)]

    def test_media_type_is_one_of_the_collections(self, hub_factory: Callable[..., Hub]) -> None:
        """5.3.1: a record's media_type, for a 2.0 object too, is one of the collection's."""
        hub = hub_factory(accept_stix20=True)
        old = {
            "type": "indicator",
            "id": oid(20),
            "created": "2024-03-01T10:00:00.000Z",
            "modified": "2024-03-01T10:00:00.000Z",
            "labels": ["malicious-activity"],
            "pattern": "[ipv4-addr:value = '198.51.100.1']",
            "valid_from": "2024-03-01T00:00:00Z",
        }
        post_at(hub, T0, [old])
        allowed = hub.get(hub.url(INTEL)).json().get("media_types", [STIX_21])
        for record in hub.get(hub.url(rest="manifest/")).json()["objects"]:
            assert record.get("media_type", allowed[0]) in allowed, record

    def test_unversioned_object_has_a_stable_version(self, hub: Hub) -> None:
        """3.4.1 / 5.3.1: an object without modified or created gets a version that stays put."""
        post_at(hub, T0, [ipv4("198.51.100.1")])
        first = hub.get(hub.url(rest="manifest/")).json()["objects"][0]["version"]
        second = hub.get(hub.url(rest="manifest/")).json()["objects"][0]["version"]
        assert first == second
        assert first

    def test_created_is_the_version_without_modified(self, hub: Hub) -> None:
        """3.4.1: for an object with created but no modified, the version is created."""
        marking = dict(TLP_GREEN)
        post_at(hub, T0, [marking])
        record = hub.get(hub.url(rest="manifest/")).json()["objects"][0]
        assert record["version"] == "2017-01-20T00:00:00.000Z"

    def test_writer_without_read_gets_403(self, hub: Hub) -> None:
        """5.3: a caller with can_read=false on a collection it can see gets 403."""
        r = hub.get(hub.url(rest="manifest/"), "writer")
        assert r.status_code == 403
        assert r.json()["http_status"] == "403"

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """5.3: an authentication failure on the manifest gives 401 with WWW-Authenticate."""
        r = hub.get(hub.url(rest="manifest/"), "anonymous")
        assert r.status_code == 401
        assert "www-authenticate" in r.headers

    def test_invisible_collection_is_404(self, hub: Hub) -> None:
        """5.3: a manifest of a collection the user may not see gives 404."""
        assert hub.get(hub.url(rest="manifest/"), "nobody").status_code == 404


class TestObjectsAccess:
    """5.4: access rules of GET …/objects/."""

    def test_writer_without_read_gets_403(self, hub: Hub) -> None:
        """5.4: can_read=false on a visible collection gives 403."""
        assert hub.get(hub.url(rest="objects/"), "writer").status_code == 403

    def test_write_only_grant_gets_403(self, hub: Hub) -> None:
        """5.4: a write-only grant (reader on Sightings) cannot read objects: 403."""
        assert hub.get(hub.url(SIGHTINGS, "objects/"), "reader").status_code == 403

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """5.4: an authentication failure gives 401 with WWW-Authenticate."""
        r = hub.get(hub.url(rest="objects/"), "anonymous")
        assert r.status_code == 401
        assert "www-authenticate" in r.headers

    def test_invisible_collection_is_404(self, hub: Hub) -> None:
        """5.4: objects of a collection the user may not see give 404, not 403."""
        assert hub.get(hub.url(rest="objects/"), "nobody").status_code == 404


class TestObjectById:
    """GET …/objects/{id}/ (section 5.6)."""

    def test_acts_as_match_id(self, hub: Hub) -> None:
        """5.6: the endpoint returns the named object in an envelope, and no other."""
        post_at(hub, T0, [indicator(1), indicator(2)])
        r = hub.get(hub.url(rest=f"objects/{oid(2)}/"))
        assert r.status_code == 200, r.text
        assert r.json()["objects"] == [indicator(2)]

    def test_default_is_the_latest_version(self, hub: Hub) -> None:
        """5.6 / 3.4.1: without match[version] only the latest version comes back."""
        post_at(hub, T0, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        post_at(hub, T0 + 1, [indicator(1)])
        objs = hub.get(hub.url(rest=f"objects/{oid(1)}/")).json()["objects"]
        assert [o["modified"] for o in objs] == ["2024-03-02T00:00:00.000Z"]

    def test_all_versions(self, hub: Hub) -> None:
        """5.6: match[version]=all returns every version, in date_added order."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 1, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/"), params={"match[version]": "all"})
        assert [o["modified"] for o in r.json()["objects"]] == [
            "2024-03-01T10:00:00.000Z",
            "2024-03-02T00:00:00.000Z",
        ]

    def test_spec_version_parameter_is_accepted(self, hub: Hub) -> None:
        """5.6: match[spec_version] is accepted on the object endpoint."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/"), params={"match[spec_version]": "2.1"})
        assert r.status_code == 200, r.text
        assert len(r.json()["objects"]) == 1

    def test_known_object_with_no_match_is_empty_200(self, hub: Hub) -> None:
        """5.6: a stored object whose filters match nothing gives 200 and an empty envelope."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(
            hub.url(rest=f"objects/{oid(1)}/"),
            params={"match[version]": "2020-01-01T00:00:00Z"},
        )
        assert r.status_code == 200, r.text
        assert "objects" not in r.json()

    def test_unknown_object_is_404(self, hub: Hub) -> None:
        """5.6: an object id that is not stored in the collection gives 404."""
        r = hub.get(hub.url(rest=f"objects/{oid(99)}/"))
        assert r.status_code == 404
        assert r.json()["http_status"] == "404"

    def test_object_of_another_collection_is_404(self, hub: Hub) -> None:
        """5.6: an object stored in another collection is not found in this one."""
        post_at(hub, T0, [indicator(1)], collection=SIGHTINGS)
        assert hub.get(hub.url(rest=f"objects/{oid(1)}/")).status_code == 404

    def test_writer_without_read_gets_403(self, hub: Hub) -> None:
        """5.6: can_read=false gives 403 on the object endpoint."""
        post_at(hub, T0, [indicator(1)])
        assert hub.get(hub.url(rest=f"objects/{oid(1)}/"), "writer").status_code == 403

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """5.6: an authentication failure gives 401 on the object endpoint."""
        post_at(hub, T0, [indicator(1)])
        assert hub.get(hub.url(rest=f"objects/{oid(1)}/"), "anonymous").status_code == 401

    def test_invisible_collection_is_404(self, hub: Hub) -> None:
        """5.6: the object endpoint of a collection the user may not see gives 404."""
        post_at(hub, T0, [indicator(1)])
        assert hub.get(hub.url(rest=f"objects/{oid(1)}/"), "nobody").status_code == 404


class TestVersions:
    """GET …/objects/{id}/versions/ (section 5.8)."""

    def test_lists_every_version_in_date_added_order(self, hub: Hub) -> None:
        """5.8.1: versions lists every version string, ordered by date_added."""
        post_at(hub, T0, [indicator(1, modified="2024-03-03T00:00:00.000Z")])
        post_at(hub, T0 + 1, [indicator(1)])
        post_at(hub, T0 + 2, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/versions/"))
        assert r.status_code == 200, r.text
        assert r.json()["versions"] == [
            "2024-03-03T00:00:00.000Z",
            "2024-03-01T10:00:00.000Z",
            "2024-03-02T00:00:00.000Z",
        ]

    def test_created_for_unversioned_objects(self, hub: Hub) -> None:
        """5.8.1: created is listed for an object that has no modified."""
        marking = {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            "created": "2017-01-20T00:00:00.000Z",
            "definition_type": "tlp",
            "name": "TLP:AMBER",
            "definition": {"tlp": "amber"},
        }
        post_at(hub, T0, [marking])
        r = hub.get(hub.url(rest=f"objects/{marking['id']}/versions/"))
        assert r.json()["versions"] == ["2017-01-20T00:00:00.000Z"]

    def test_added_after_filters_versions(self, hub: Hub) -> None:
        """5.8: added_after keeps only the versions added after it."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 10, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        r = hub.get(
            hub.url(rest=f"objects/{oid(1)}/versions/"),
            params={"added_after": format_taxii_timestamp(T0)},
        )
        assert r.json()["versions"] == ["2024-03-02T00:00:00.000Z"]

    def test_no_versions_after_cursor_omits_the_key(self, hub: Hub) -> None:
        """5.8.1: with no versions to list the versions key is omitted."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(
            hub.url(rest=f"objects/{oid(1)}/versions/"),
            params={"added_after": format_taxii_timestamp(T0)},
        )
        assert r.status_code == 200, r.text
        assert "versions" not in r.json()

    def test_match_version_is_ignored(self, hub: Hub) -> None:
        """5.8: match[version] is not a versions parameter and does not narrow the list."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 1, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/versions/"), params={"match[version]": "first"})
        assert len(r.json()["versions"]) == 2

    def test_unknown_object_is_404(self, hub: Hub) -> None:
        """5.8: versions of an object that is not stored give 404."""
        assert hub.get(hub.url(rest=f"objects/{oid(5)}/versions/")).status_code == 404

    def test_writer_without_read_gets_403(self, hub: Hub) -> None:
        """5.8: can_read=false gives 403 on the versions endpoint."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/versions/"), "writer")
        assert r.status_code == 403

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """5.8: an authentication failure gives 401 on the versions endpoint."""
        post_at(hub, T0, [indicator(1)])
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/versions/"), "anonymous")
        assert r.status_code == 401
