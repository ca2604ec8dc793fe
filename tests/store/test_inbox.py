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
    sightings_summary,
)
from tests.store._sightings import (
    TLP_AMBER_2,
    TS,
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


LATER = "2024-06-01T10:00:00.000Z"


class Setup:
    """A hub with published, hidden and public intelligence, two inboxes and three accounts:
    ``org1`` bound to identity 1, ``org2`` bound to identity 2, ``unbound`` with none."""

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
        self.org2 = store.create_account("org2").id
        self.unbound = store.create_account("unbound").id
        for name in ("org1", "org2", "unbound"):
            store.grant(name, INTEL, True, False)
            store.grant(name, INBOX, False, True)
        bind_identity(store, "org1", identity(1))
        bind_identity(store, "org2", identity(2))

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


def later(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A newer version of an object (a marking-definition's version is its ``created``)."""
    when = "created" if obj["type"] == "marking-definition" else "modified"
    return {**obj, when: LATER, **changes}


def versions_held(hub: Setup, object_id: str) -> list[str]:
    """The versions the inbox holds of an object."""
    return list(hub.store.get_origins(INBOX, object_id))


class TestOnlyTheCreatorVersions:
    """STIX 2.1 section 3.6: org2 cannot make new versions of org1's objects; org1 can."""

    ORG1_REPORT = (
        sighting(5, of=1, by=1, count=7),
        identity(1),
        observed_data(1, by=1),
        statement(1, by=1),
    )

    def test_org2_is_refused_and_org1_data_is_unchanged(self, hub: Setup) -> None:
        """Each newer version by org2, naming itself as creator, is refused in its own
        status entry; the summary still shows org1's report."""
        assert outcomes(hub.post(*self.ORG1_REPORT)) == [AddOutcome.STORED] * 4
        before = sightings_summary(hub.store)
        results = hub.post(
            later(sighting(5, of=1, by=2, count=1)),
            later(identity(1), name="Spoofed", created_by_ref=sid("identity", 2)),
            later(observed_data(1, by=2)),
            later(statement(1, by=2)),
            account=hub.org2,
        )
        for result, obj in zip(results, self.ORG1_REPORT, strict=True):
            assert result.id == obj["id"]
            assert "held by this hub under another creator" in message(result)
            assert versions_held(hub, str(obj["id"])) == [obj.get("modified", obj["created"])]
        assert sightings_summary(hub.store) == before
        (summary,) = before
        assert (summary.organisations, summary.count) == (1, 7)

    def test_org1_versions_its_own(self, hub: Setup) -> None:
        """New versions by the creator are stored and the summary follows them."""
        hub.post(*self.ORG1_REPORT)
        results = hub.post(
            later(sighting(5, of=1, by=1, count=9)),
            later(identity(1), name="Organisation 1, renamed"),
            later(observed_data(1, by=1)),
            later(statement(1, by=1)),
        )
        assert outcomes(results) == [AddOutcome.STORED] * 4
        assert versions_held(hub, sid("sighting", 5)) == [TS, LATER]
        (summary,) = sightings_summary(hub.store)
        assert (summary.organisations, summary.count) == (1, 9)

    def test_a_bound_identity_is_held_before_it_is_posted(self, hub: Setup) -> None:
        """org1's identity, known to the hub only as org1's binding, cannot be claimed by
        org2 as an identity it created; a sensor identity nobody holds can."""
        spoof = later(identity(1), name="Spoofed", created_by_ref=sid("identity", 2))
        sensor = identity(8, created_by_ref=sid("identity", 2), identity_class="system")
        refused, stored = hub.post(spoof, sensor, account=hub.org2)
        assert "held by this hub under another creator" in message(refused)
        assert stored.outcome == AddOutcome.STORED
        assert hub.store.count_objects(INBOX) == 1

    def test_a_sensor_identity_stays_with_its_creator(self, hub: Setup) -> None:
        """org1's sensor identity cannot be versioned by org2; org1 may version it."""
        sensor = identity(7, created_by_ref=sid("identity", 1), identity_class="system")
        hub.post(sensor)
        (refused,) = hub.post(later(sensor, created_by_ref=sid("identity", 2)), account=hub.org2)
        assert "under another creator" in message(refused)
        assert outcomes(hub.post(later(sensor, name="Sensor 7"))) == [AddOutcome.STORED]

    def test_own_identity_keeps_its_creator(self, hub: Setup) -> None:
        """The bound identity has no created_by_ref; a version adding one changes the
        creator and is refused, even from its own account."""
        (refused,) = hub.post(later(identity(1), created_by_ref=sid("identity", 1)))
        assert "with the same created_by_ref" in message(refused)

    def test_versions_held_anywhere_count(self, hub: Setup) -> None:
        """A sighting org1 reported in another inbox is not org2's to version here: the
        summary reads the latest version across inboxes."""
        other = hub.store.find_collection(OTHER_INBOX)
        add_objects(hub.store, other, [sighting(5, of=1, by=1, count=7)])
        (refused,) = hub.post(later(sighting(5, of=1, by=2, count=1)), account=hub.org2)
        assert "under another creator" in message(refused)
        (summary,) = sightings_summary(hub.store)
        assert (summary.organisations, summary.count) == (1, 7)

    def test_the_refusal_reveals_nothing(self, hub: Setup) -> None:
        """org2 may not read the inboxes: the message names neither org1 nor where or what
        is held, and is the same for every type."""
        hub.post(*self.ORG1_REPORT)
        results = hub.post(
            later(sighting(5, of=1, by=2)), later(statement(1, by=2)), account=hub.org2
        )
        texts = {message(r).replace(r.id, "X") for r in results}
        assert len(texts) == 1
        (text,) = texts
        for secret in (sid("identity", 1), "Organisation 1", INBOX, "count", "7"):
            assert secret not in text

    def test_anonymous_objects_cannot_be_claimed(self, hub: Setup) -> None:
        """A marking held without a creator (an administrator's) cannot be versioned by an
        account naming itself."""
        add_objects(hub.store, hub.store.find_collection(INTEL), [statement(3, by=None)])
        (refused,) = hub.post(later(statement(3, by=1)))
        assert "under another creator" in message(refused)

    def test_tlp_markings_may_be_reposted(self, hub: Setup) -> None:
        """The fixed TLP markings are nobody's to change and anybody's to include."""
        hub.post(TLP_AMBER_2)
        (again,) = hub.post(TLP_AMBER_2, account=hub.org2)
        assert again.outcome == AddOutcome.UNCHANGED


class TestObservables:
    """Cyber-observables have no creator: an inbox keeps the first content of each id."""

    def test_same_content_is_unchanged(self, hub: Setup) -> None:
        """Two organisations seeing the same address post the same object."""
        hub.post(ipv4(1))
        (again,) = hub.post(ipv4(1), account=hub.org2)
        assert again.outcome == AddOutcome.UNCHANGED

    def test_other_content_is_refused(self, hub: Setup) -> None:
        """org2 cannot change the address org1's observed-data refers to, nor can one
        envelope carry two contents for one id."""
        hub.post(ipv4(1), observed_data(1, by=1))
        (refused,) = hub.post({**ipv4(1), "value": "198.51.100.1"}, account=hub.org2)
        assert "already held in this inbox with other content" in message(refused)
        stored, twin = hub.post(ipv4(2), {**ipv4(2), "value": "198.51.100.2"})
        assert stored.outcome == AddOutcome.STORED
        assert "with other content" in message(twin)
        assert len(versions_held(hub, sid("ipv4-addr", 1))) == 1

    def test_other_inboxes_do_not_count(self, hub: Setup) -> None:
        """Each inbox is its own observation record: an address held elsewhere is no
        obstacle."""
        other = hub.store.find_collection(OTHER_INBOX)
        add_objects(hub.store, other, [{**ipv4(3), "value": "198.51.100.3"}])
        assert outcomes(hub.post(ipv4(3))) == [AddOutcome.STORED]


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

    def test_creator_cannot_change(self, hub: Setup) -> None:
        """Any creator may be loaded, but not a version with another creator than the held
        one, within one envelope or across loads."""
        first, second = hub.post(
            sighting(5, of=1, by=5), later(sighting(5, of=1, by=6)), account=None
        )
        assert first.outcome == AddOutcome.STORED
        assert "under another creator" in message(second)
        (refused,) = hub.post(later(sighting(5, of=1, by=6)), account=None)
        assert "under another creator" in message(refused)
        (stored,) = hub.post(later(sighting(5, of=1, by=5)), account=None)
        assert stored.outcome == AddOutcome.STORED

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


class TestHeldCreators:
    """``held_creators``: who created the held versions of some ids."""

    def test_collections_and_bindings(self, hub: Setup) -> None:
        """Versions in any collection, inbox or not, and identities bound to accounts."""
        hub.post(sighting(5, of=1, by=1), observed_data(1, by=1))
        add_objects(hub.store, hub.store.find_collection(INTEL), [statement(3, by=None)])
        ids = [sid("sighting", 5), sid("observed-data", 9), sid("marking-definition", 3)]
        ids += [sid("identity", 1), sid("identity", 2), sid("indicator", 99)]
        assert hub.store.held_creators(ids) == {
            sid("sighting", 5): {sid("identity", 1)},
            sid("observed-data", 9): {None},
            sid("marking-definition", 3): {None},
            sid("identity", 1): {None},
            sid("identity", 2): {None},
        }
        assert hub.store.held_creators([]) == {}


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
