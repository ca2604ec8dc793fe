"""Status resources (TAXII 2.1 sections 4.3, 4.3.1)."""

import re
import time
import uuid
from typing import Any

import pytest

from stixhub.taxii.server import TAXII_21
from tests.taxii.server.conftest import INTEL, SIGHTINGS, TLP_GREEN, Hub, indicator

TAXII_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
HOUR = 3600 * 1_000_000


def status_of(hub: Hub, status_id: str, who: str = "admin") -> Any:
    return hub.get(f"/api1/status/{status_id}/", who)


def post(hub: Hub, objects: list[Any], who: str = "admin", collection: str = INTEL) -> Any:
    r = hub.post_objects(objects, who, collection)
    assert r.status_code == 202, r.text
    return r.json()


class TestStatusResource:
    """4.3.1: the fields of a status resource."""

    def test_required_fields_and_types(self, hub: Hub) -> None:
        """4.3.1: id (UUIDv4), status and the four counts (integers >= 0) are present."""
        body = post(hub, [indicator(1)])
        assert uuid.UUID(body["id"]).version == 4
        assert body["status"] in ("complete", "pending")
        for key in ("total_count", "success_count", "failure_count", "pending_count"):
            assert type(body[key]) is int
            assert body[key] >= 0

    def test_status_is_complete_even_with_failures(self, hub: Hub) -> None:
        """4.3.1: status is exactly complete or pending, never failed, even if all objects fail."""
        body = post(hub, [indicator(1, modified="bad")])
        assert body["status"] == "complete"
        assert body["failure_count"] == 1

    def test_counts_add_up(self, hub: Hub) -> None:
        """4.3.1: total is the envelope's size and success + failure + pending = total (ours)."""
        post(hub, [indicator(1)])
        body = post(hub, [indicator(1, name="other"), indicator(2), indicator(3), 7])
        assert body["total_count"] == 4
        assert (body["success_count"], body["failure_count"], body["pending_count"]) == (2, 2, 0)
        assert len(body["successes"]) == 2
        assert len(body["failures"]) == 2

    def test_request_timestamp_is_a_taxii_timestamp(self, hub: Hub) -> None:
        """2 / 4.3.1: request_timestamp, when present, has six fractional digits and Z."""
        body = post(hub, [indicator(1)])
        assert TAXII_TS.fullmatch(body.get("request_timestamp", "2024-01-01T00:00:00.000000Z"))

    def test_lists_are_never_empty(self, hub: Hub) -> None:
        """2 / 4.3.1: successes, failures and pendings are omitted rather than empty."""
        body = post(hub, [indicator(1)])
        assert body["successes"]
        assert "failures" not in body
        assert "pendings" not in body
        body = post(hub, [indicator(2, modified="bad")])
        assert body["failures"]
        assert "successes" not in body

    def test_success_details_have_id_and_version(self, hub: Hub) -> None:
        """4.3.1: each success detail has the STIX id and the version (modified)."""
        body = post(hub, [indicator(1, modified="2024-03-02T00:00:00.000Z")])
        assert body["successes"] == [
            {"id": indicator(1)["id"], "version": "2024-03-02T00:00:00.000Z"}
        ]

    def test_version_is_created_without_modified(self, hub: Hub) -> None:
        """4.3.1: the detail's version is created when the object has no modified."""
        marking = dict(TLP_GREEN)
        body = post(hub, [marking])
        assert body["successes"][0]["version"] == "2017-01-20T00:00:00.000Z"

    def test_unversioned_object_gets_a_version(self, hub: Hub) -> None:
        """4.3.1: an object with neither modified nor created still gets a version in its detail."""
        sco = {
            "type": "ipv4-addr",
            "spec_version": "2.1",
            "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
            "value": "198.51.100.3",
        }
        body = post(hub, [sco])
        assert body["successes"][0]["version"]

    def test_failure_details_have_version_and_message(self, hub: Hub) -> None:
        """4.3.1: a failure detail has the STIX id, the version (modified) and a message."""
        bad = indicator(1, modified="2024-03-02T00:00:00.000Z")
        bad["id"] = bad["id"].replace("indicator--", "malware--")
        body = post(hub, [bad])
        (failure,) = body["failures"]
        assert failure["id"] == bad["id"]
        assert failure["version"] == "2024-03-02T00:00:00.000Z"
        assert failure["message"]

    def test_repost_success_detail(self, hub: Hub) -> None:
        """5.5: an identical re-post is listed among the successes, never the failures."""
        post(hub, [indicator(1)])
        body = post(hub, [indicator(1)])
        assert [s["id"] for s in body["successes"]] == [indicator(1)["id"]]
        assert body["failure_count"] == 0


class TestGetStatus:
    """4.3: GET {api-root}/status/{id}/."""

    def test_status_can_be_fetched(self, hub: Hub) -> None:
        """4.3: the poster gets the same status resource back with 200."""
        body = post(hub, [indicator(1)])
        r = status_of(hub, body["id"])
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_21
        assert r.json() == body

    def test_visible_only_to_poster(self, hub: Hub) -> None:
        """4.3 (our rule): another account gets 404 for a status it did not post."""
        body = post(hub, [indicator(1)], "writer")
        assert status_of(hub, body["id"], "writer").status_code == 200
        r = status_of(hub, body["id"], "admin")
        assert r.status_code == 404
        assert status_of(hub, body["id"], "reader").status_code == 404

    def test_same_account_by_token(self, hub: Hub) -> None:
        """4.3: the poster's account reads its status through a Bearer token too."""
        body = post(hub, [indicator(1)], "reader", SIGHTINGS)
        assert status_of(hub, body["id"], "reader-token").status_code == 200

    def test_other_users_status_looks_missing(self, hub: Hub) -> None:
        """3.6 / App. B: a status of another account and an unknown one give the same 404."""
        body = post(hub, [indicator(1)], "writer")
        foreign = status_of(hub, body["id"], "admin")
        unknown = status_of(hub, str(uuid.uuid4()), "admin")
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.json() == unknown.json()

    @pytest.mark.parametrize("status_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
    def test_unknown_or_malformed_id_is_404(self, hub: Hub, status_id: str) -> None:
        """4.3: an unknown status id gives 404 with an error body."""
        r = status_of(hub, status_id)
        assert r.status_code == 404
        assert r.json()["http_status"] == "404"

    def test_status_of_another_api_root_is_404(self, hub: Hub) -> None:
        """4.3: a status is found only under the API root it was created in."""
        hub.store.create_api_root("api2", "API two")
        body = post(hub, [indicator(1)])
        assert hub.get(f"/api2/status/{body['id']}/").status_code == 404

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """4.3: an unauthenticated status request gets 401 with WWW-Authenticate."""
        body = post(hub, [indicator(1)])
        r = status_of(hub, body["id"], "anonymous")
        assert r.status_code == 401
        assert "www-authenticate" in r.headers

    def test_expired_status_is_404_even_before_any_purge(self, hub: Hub) -> None:
        """4.3: a status past its retention is 404 although no later POST purged it yet."""
        service = hub.client.app.state.service  # type: ignore[attr-defined]
        real = time.time_ns() // 1000
        body = post(hub, [indicator(1)])
        service._next_purge = float("inf")
        service._clock = lambda: real + (service.settings.status_retention_hours - 1) * HOUR
        assert status_of(hub, body["id"]).status_code == 200
        service._clock = lambda: real + (service.settings.status_retention_hours + 1) * HOUR
        assert status_of(hub, body["id"]).status_code == 404

    def test_kept_for_a_day_and_expired_later(self, hub: Hub) -> None:
        """4.3: a status is kept at least 24 h, and an expired status id gives 404."""
        service = hub.client.app.state.service  # type: ignore[attr-defined]
        real = time.time_ns() // 1000
        body = post(hub, [indicator(1)])
        service._clock = lambda: real + 25 * HOUR
        service._next_purge = 0.0
        post(hub, [indicator(2)])
        assert status_of(hub, body["id"]).status_code == 200
        service._clock = lambda: real + (service.settings.status_retention_hours + 1) * HOUR
        service._next_purge = 0.0
        post(hub, [indicator(3)])
        assert status_of(hub, body["id"]).status_code == 404
