"""A sightings inbox over TAXII: POST …/objects/ to it is held to the poster's bound identity,
and refusals are per object in the status (TAXII 2.1 section 5.5, 4.3.1; docs/sightings.md)."""

from collections.abc import Callable
from typing import Any

import pytest

from stixhub.store import bind_identity, sightings_summary
from tests.store._sightings import identity, ipv4, observed_data, sid, sighting, statement
from tests.taxii.server.conftest import HIDDEN, INTEL, SIGHTINGS, Hub, indicator


@pytest.fixture
def inbox_hub(hub_factory: Callable[..., Hub]) -> Hub:
    """The test hub with Sightings as an inbox (``sid("indicator", n)`` is the id of the
    conftest's ``indicator(n)``), indicator 1 in Intel and 2 in Hidden;
    ``reader`` (reads Intel, writes Sightings) is bound to identity 1, ``writer`` may write
    Sightings but has no identity."""
    hub = hub_factory()
    hub.store.set_sightings_inbox(SIGHTINGS, True)
    bind_identity(hub.store, "reader", identity(1))
    hub.store.grant("writer", SIGHTINGS, False, True)
    for collection, n in ((INTEL, 1), (HIDDEN, 2)):
        assert hub.post_objects([indicator(n)], collection=collection).status_code == 202
    return hub


def post(hub: Hub, who: str, *objects: dict[str, Any]) -> dict[str, Any]:
    """POST to the inbox as a role; the status resource."""
    response = hub.post_objects(list(objects), who=who, collection=SIGHTINGS)
    assert response.status_code == 202, response.text
    status: dict[str, Any] = response.json()
    return status


def failures(status: dict[str, Any]) -> dict[str, str]:
    """Refused object ids and their messages."""
    return {f["id"]: f["message"] for f in status.get("failures", [])}


def stored_ids(hub: Hub) -> list[str]:
    """What the inbox holds, read by admin."""
    response = hub.get(hub.url(SIGHTINGS, "objects/"))
    assert response.status_code == 200, response.text
    return [o["id"] for o in response.json().get("objects", [])]


class TestInboxPost:
    """What an inbox does with a posted envelope."""

    def test_report_stored_and_other_types_refused(self, inbox_hub: Hub) -> None:
        """A report is stored; an indicator in the same envelope fails with its own message."""
        status = post(inbox_hub, "reader", identity(1), sighting(1, of=1, by=1), indicator(5))
        assert (status["success_count"], status["failure_count"]) == (2, 1)
        assert "a sightings inbox accepts only" in failures(status)[str(indicator(5)["id"])]
        assert sorted(stored_ids(inbox_hub)) == sorted([sid("identity", 1), sid("sighting", 1)])

    def test_status_is_kept(self, inbox_hub: Hub) -> None:
        """The status fetched later names the same refusal."""
        status = post(inbox_hub, "reader", sighting(1, of=1, by=2))
        response = inbox_hub.get(f"/api1/status/{status['id']}/", who="reader")
        assert response.status_code == 200
        assert failures(response.json()) == failures(status)
        assert "created_by_ref must be" in failures(status)[sid("sighting", 1)]

    def test_bearer_token_is_the_same_account(self, inbox_hub: Hub) -> None:
        """The reader's API token posts with the reader's bound identity."""
        status = post(inbox_hub, "reader-token", sighting(1, of=1, by=1), ipv4(1))
        assert status["success_count"] == 2

    def test_hidden_indicator_looks_unknown(self, inbox_hub: Hub) -> None:
        """A sighting of an indicator the poster may not read is refused like a missing one."""
        status = post(
            inbox_hub,
            "reader",
            sighting(1, of=2, by=1),
            sighting(2, of=99, by=1),
        )
        messages = failures(status)
        hidden = messages[sid("sighting", 1)].replace(str(indicator(2)["id"]), "X")
        missing = messages[sid("sighting", 2)].replace(str(indicator(99)["id"]), "X")
        assert hidden == missing
        assert "is not an object this hub publishes to this account" in hidden

    def test_account_without_identity(self, inbox_hub: Hub) -> None:
        """An account with write rights but no bound identity has every object refused."""
        status = post(inbox_hub, "writer", sighting(1, of=1, by=1))
        assert status["success_count"] == 0
        assert "no STIX identity bound" in failures(status)[sid("sighting", 1)]
        assert stored_ids(inbox_hub) == []

    def test_same_report_twice_changes_nothing(self, inbox_hub: Hub) -> None:
        """Posting the same sighting again is a success that stores nothing new."""
        report = sighting(1, of=1, by=1)
        post(inbox_hub, "reader", report)
        again = post(inbox_hub, "reader", report)
        assert again["successes"][0]["message"] == "already stored; nothing changed"
        assert stored_ids(inbox_hub) == [sid("sighting", 1)]


LATER = "2024-06-01T10:00:00.000Z"


class TestOnlyTheCreatorVersions:
    """Two organisations over TAXII: ``reader`` (identity 1) and ``writer`` (identity 2)."""

    @pytest.fixture
    def two_orgs(self, inbox_hub: Hub) -> Hub:
        """The inbox hub with ``writer`` bound to identity 2 and reading Intel too."""
        bind_identity(inbox_hub.store, "writer", identity(2))
        inbox_hub.store.grant("writer", INTEL, True, False)
        inbox_hub.store.grant("writer", SIGHTINGS, False, True)
        return inbox_hub

    def test_org2_cannot_version_org1s_objects(self, two_orgs: Hub) -> None:
        """org2's newer sighting, identity, observed-data and marking are failures in the
        status; org1's objects and the summary are as before; org1 may version its own."""
        org1 = (
            sighting(5, of=1, by=1, count=7),
            identity(1),
            observed_data(1, by=1),
            statement(1, by=1),
        )
        assert post(two_orgs, "reader", *org1)["success_count"] == 4
        before = sightings_summary(two_orgs.store)
        status = post(
            two_orgs,
            "writer",
            sighting(5, of=1, by=2, count=1, modified=LATER),
            identity(1, name="Spoofed", created_by_ref=sid("identity", 2), modified=LATER),
            {**observed_data(1, by=2), "modified": LATER},
            {**statement(1, by=2), "created": LATER},
        )
        assert (status["success_count"], status["failure_count"]) == (0, 4)
        for obj in org1:
            assert "under another creator" in failures(status)[str(obj["id"])]
        assert sightings_summary(two_orgs.store) == before
        (summary,) = before
        assert (summary.organisations, summary.count) == (1, 7)
        response = two_orgs.get(two_orgs.url(SIGHTINGS, f"objects/{sid('identity', 1)}/"))
        assert [o["name"] for o in response.json()["objects"]] == ["Organisation 1"]
        own = post(two_orgs, "reader", sighting(5, of=1, by=1, count=9, modified=LATER))
        assert own["success_count"] == 1
        (summary,) = sightings_summary(two_orgs.store)
        assert summary.count == 9
