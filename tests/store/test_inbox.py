"""The sightings inbox at the door (``stixhub.store.add_objects`` on an inbox collection) and
the store calls behind it: marking inboxes, binding identities, published objects. Both
backends."""

from typing import Any

import pytest

from stixhub.stix import DoorFailure
from stixhub.store import (
    AddOutcome,
    AddResult,
    Collection,
    NotFound,
    SqlStore,
    add_objects,
    bind_identity,
)
from tests.store._sightings import (
    TLP_AMBER_2,
    identity,
    indicator,
    ipv4,
    observed_data,
    sid,
    sighting,
    statement,
)

INTEL = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"
HIDDEN = "9f1c8b9e-3c1e-4b6b-8f0a-2d4b1e7c5a90"
PUBLIC = "0d6e0b8f-6a0b-4f3e-9a65-6f2b9c1e2d3a"
INBOX = "c2ecd5a1-4b2e-4d0c-9c5b-6a2f55c3b1e7"
OTHER_INBOX = "5b0d7e1c-2f9a-4c3e-8d6b-1a2b3c4d5e6f"


class Setup:
    """A hub with published, hidden and public intelligence, two inboxes and two accounts:
    ``org1`` bound to identity 1, ``unbound`` with no identity."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        store.create_api_root("api1", "API 1")
        store.create_collection("api1", "Intel", collection_id=INTEL)
        store.create_collection("api1", "Hidden", collection_id=HIDDEN)
        store.create_collection("api1", "Public", collection_id=PUBLIC, public_read=True)
        self.inbox = store.create_collection(
            "api1", "Sightings", collection_id=INBOX, sightings_inbox=True
        )
        store.create_collection("api1", "Other", collection_id=OTHER_INBOX, sightings_inbox=True)
        for cid, n in ((INTEL, 1), (HIDDEN, 2), (PUBLIC, 3)):
            add_objects(store, store.find_collection(cid), [indicator(n)])
        add_objects(store, store.find_collection(OTHER_INBOX), [observed_data(9, None)])
        self.org1 = store.create_account("org1").id
        self.unbound = store.create_account("unbound").id
        for name in ("org1", "unbound"):
            store.grant(name, INTEL, True, False)
            store.grant(name, INBOX, False, True)
        bind_identity(store, "org1", identity(1))

    def post(self, *objects: Any, account: int | None = -1) -> list[AddResult]:
        """Add objects to the inbox as org1 (default), another account or None (admin)."""
        poster = self.org1 if account == -1 else account
        return add_objects(self.store, self.inbox, list(objects), account_id=poster)


@pytest.fixture
def hub(store: SqlStore) -> Setup:
    """The set-up hub on each backend."""
    return Setup(store)


def outcomes(results: list[AddResult]) -> list[str]:
    """The outcome of each result."""
    return [r.outcome for r in results]


def message(result: AddResult) -> str:
    """A refusal's message."""
    assert result.outcome == AddOutcome.FAILED, result
    assert result.message is not None
    return result.message


class TestAccepted:
    """What a bound account may report."""

    def test_a_whole_report_is_stored(self, hub: Setup) -> None:
        """Its identity, a sighting, observed-data, an SCO and a TLP 2.0 marking are stored."""
        results = hub.post(
            identity(1),
            sighting(1, of=1, by=1, where_sighted_refs=[sid("identity", 1)], count=3),
            observed_data(1, by=1),
            ipv4(1),
            TLP_AMBER_2,
            statement(1, by=1),
        )
        assert outcomes(results) == [AddOutcome.STORED] * 6
        assert hub.store.count_objects(INBOX) == 6

    def test_public_intelligence_may_be_sighted(self, hub: Setup) -> None:
        """An indicator of a public collection needs no grant to be sighted."""
        assert outcomes(hub.post(sighting(1, of=3, by=1))) == [AddOutcome.STORED]

    def test_an_identity_created_by_the_account(self, hub: Setup) -> None:
        """A sensor's identity created by the bound identity is accepted."""
        sensor = identity(7, created_by_ref=sid("identity", 1), identity_class="system")
        assert outcomes(hub.post(sensor)) == [AddOutcome.STORED]

    def test_ordinary_collections_are_not_inboxes(self, hub: Setup) -> None:
        """An indicator posted by the same account to a normal collection is stored."""
        intel = hub.store.find_collection(INTEL)
        (result,) = add_objects(hub.store, intel, [indicator(5)], account_id=hub.org1)
        assert result.outcome == AddOutcome.STORED


class TestRefused:
    """What the inbox refuses, each in its own status detail, keeping the rest."""

    def test_other_types(self, hub: Setup) -> None:
        """An indicator is refused with a message naming what is accepted; the sighting stays."""
        refused, stored = hub.post(indicator(8), sighting(1, of=1, by=1))
        assert refused.id == sid("indicator", 8)
        assert "accepts only" in message(refused)
        assert "not indicator" in message(refused)
        assert stored.outcome == AddOutcome.STORED
        assert hub.store.count_objects(INBOX) == 1

    def test_sighting_of_an_unknown_object(self, hub: Setup) -> None:
        """A sighting of an object the hub does not hold is refused, naming the reference."""
        (refused,) = hub.post(sighting(1, of=99, by=1))
        assert f"sighting_of_ref {sid('indicator', 99)} is not an object this hub" in message(
            refused
        )

    def test_unreadable_looks_unknown(self, hub: Setup) -> None:
        """A sighting of a hidden indicator gets exactly the message of a missing one."""
        hidden, missing = hub.post(sighting(1, of=2, by=1), sighting(2, of=99, by=1))
        assert message(hidden).replace(sid("indicator", 2), "X") == message(missing).replace(
            sid("indicator", 99), "X"
        )

    def test_sighting_of_a_sighting_report(self, hub: Setup) -> None:
        """Objects held only in an inbox are not published: they cannot be sighted."""
        hub.store.grant("org1", OTHER_INBOX, True, False)
        (refused,) = hub.post(sighting(1, of=9, by=1, sighting_of_ref=sid("observed-data", 9)))
        assert "is not an object this hub" in message(refused)

    @pytest.mark.parametrize("by", [None, 2])
    def test_sighting_creator(self, hub: Setup, by: int | None) -> None:
        """A sighting without created_by_ref, or naming another identity, is refused."""
        (refused,) = hub.post(sighting(1, of=1, by=by))
        assert f"created_by_ref must be {sid('identity', 1)}" in message(refused)

    def test_observed_data_creator(self, hub: Setup) -> None:
        """Observed-data of another identity is refused."""
        (refused,) = hub.post(observed_data(1, by=2))
        assert "created_by_ref must be" in message(refused)

    def test_another_organisations_identity(self, hub: Setup) -> None:
        """An account cannot post somebody else's identity."""
        (refused,) = hub.post(identity(2))
        assert "the identity bound to this account" in message(refused)

    def test_foreign_statement_marking(self, hub: Setup) -> None:
        """A statement marking not created by the bound identity is refused."""
        (refused,) = hub.post(statement(1, by=None))
        assert "TLP marking or be created by" in message(refused)

    def test_account_without_identity(self, hub: Setup) -> None:
        """An account with no bound identity cannot post anything to an inbox."""
        results = hub.post(sighting(1, of=1, by=1), ipv4(1), account=hub.unbound)
        assert all("no STIX identity bound" in message(r) for r in results)
        assert hub.store.count_objects(INBOX) == 0

    def test_invalid_objects_keep_the_validators_message(self, hub: Setup) -> None:
        """The validator still runs first: a sighting with a bad count says so."""
        (refused,) = hub.post(sighting(1, of=1, by=1, count=-1))
        assert "count" in message(refused)
        assert "sightings inbox" not in message(refused)


class TestAdministratorLoad:
    """Without an account (``stixhub load``) the binding does not apply; the rest does."""

    def test_any_reporter(self, hub: Setup) -> None:
        """Sightings of several organisations, of any published indicator, are stored."""
        results = hub.post(sighting(1, of=1, by=5), sighting(2, of=2, by=6), account=None)
        assert outcomes(results) == [AddOutcome.STORED] * 2

    def test_reporter_required(self, hub: Setup) -> None:
        """A sighting still needs a created_by_ref, and an unknown indicator is refused."""
        anonymous, unknown = hub.post(
            sighting(1, of=1, by=None), sighting(2, of=99, by=5), account=None
        )
        assert "needs created_by_ref" in message(anonymous)
        assert "is not an object this hub publishes" in message(unknown)

    def test_types_still_refused(self, hub: Setup) -> None:
        """An indicator is refused in an inbox whoever loads it."""
        (refused,) = hub.post(indicator(4), account=None)
        assert "accepts only" in message(refused)


class TestInboxSetting:
    """Turning a collection into an inbox and back."""

    def test_created_as_inbox(self, hub: Setup) -> None:
        """The flag is kept and read back by every lookup."""
        assert hub.store.find_collection(INBOX).sightings_inbox
        assert hub.store.get_collection("api1", INBOX).sightings_inbox
        assert not hub.store.find_collection(INTEL).sightings_inbox
        collection, _ = hub.store.get_collection_access("api1", INBOX, hub.org1)
        assert collection.sightings_inbox

    def test_switch(self, hub: Setup) -> None:
        """Switching off lets an indicator in; switching on refuses it again."""
        off = hub.store.set_sightings_inbox(INBOX, False)
        assert isinstance(off, Collection)
        assert not off.sightings_inbox
        assert outcomes(add_objects(hub.store, off, [indicator(4)])) == [AddOutcome.STORED]
        on = hub.store.set_sightings_inbox(INBOX, True)
        assert on.sightings_inbox
        assert outcomes(add_objects(hub.store, on, [indicator(6)])) == [AddOutcome.FAILED]

    def test_unknown_collection(self, hub: Setup) -> None:
        """Switching a collection that does not exist is NotFound."""
        with pytest.raises(NotFound):
            hub.store.set_sightings_inbox("8a1f4a53-1d2e-4c5b-9a8f-7e6d5c4b3a21", True)


class TestIdentityBinding:
    """``bind_identity`` and the store's identity columns."""

    def test_bound_identity_is_kept(self, hub: Setup) -> None:
        """The identity's id and JSON are stored with the account."""
        bound = hub.store.get_identity(hub.org1)
        assert bound is not None
        assert bound.id == sid("identity", 1)
        assert b"Organisation 1" in bound.body
        assert hub.store.get_identity(hub.unbound) is None

    def test_rebinding_changes_the_required_creator(self, hub: Setup) -> None:
        """After binding identity 2, sightings must name identity 2."""
        bind_identity(hub.store, "org1", identity(2))
        old, new = hub.post(sighting(1, of=1, by=1), sighting(2, of=1, by=2))
        assert "created_by_ref must be" in message(old)
        assert new.outcome == AddOutcome.STORED

    def test_unbinding(self, hub: Setup) -> None:
        """With None the account has no identity again."""
        hub.store.set_identity("org1", None)
        assert hub.store.get_identity(hub.org1) is None

    @pytest.mark.parametrize(
        ("obj", "expected"),
        [
            (indicator(1), "not to a indicator"),
            ({**identity(1), "spec_version": "2.0"}, "STIX 2.1"),
            ({**identity(1), "identity_class": 5}, "identity_class"),
            ({"type": "identity"}, "id is required"),
        ],
    )
    def test_bad_identity(self, hub: Setup, obj: dict[str, Any], expected: str) -> None:
        """Only a valid STIX 2.1 identity can be bound; the error says what is wrong."""
        with pytest.raises(DoorFailure, match=expected):
            bind_identity(hub.store, "org1", obj)
        bound = hub.store.get_identity(hub.org1)
        assert bound is not None
        assert bound.id == sid("identity", 1)

    def test_unknown_account(self, hub: Setup) -> None:
        """Binding to an account that does not exist is NotFound."""
        with pytest.raises(NotFound):
            bind_identity(hub.store, "nobody", identity(3))


class TestPublishedObjects:
    """``published_objects``: which ids an account may sight."""

    def test_by_account(self, hub: Setup) -> None:
        """Readable and public ones for an account; every non-inbox one for an administrator."""
        ids = [sid("indicator", n) for n in (1, 2, 3, 99)] + [sid("observed-data", 9)]
        assert hub.store.published_objects(ids, hub.org1) == {
            sid("indicator", 1), sid("indicator", 3),
        }  # fmt: skip
        assert hub.store.published_objects(ids, None) == {sid("indicator", n) for n in (1, 2, 3)}
        assert hub.store.published_objects([], hub.org1) == set()
