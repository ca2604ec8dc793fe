"""The spool folder: outbox order, the lock, the ledger, and delivery through a push."""

import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from stixhub.sensor import (
    Destination,
    HubUnreachable,
    Ledger,
    ObjectOutcome,
    PrivacyPolicy,
    Spool,
    SpoolBusy,
    SpoolError,
    deliver,
)
from stixhub.sensor._sightings import Tally
from stixhub.sensor._spool import source_head

IDENTITY = "identity--1f0e8c7a-6a3c-4e1b-9f2e-5b8f6c2d1a00"
IND = "indicator--6f1c0c1e-3b0a-4b55-8f6e-1c2d3e4f5a6b"
POLICY = PrivacyPolicy.make()
HUB = Destination.make("https://hub.example/api1/", "sightings", POLICY)


def bundle(n: int) -> tuple[str, bytes]:
    """A bundle id and the bytes of a bundle with one object."""
    bid = f"bundle--00000000-0000-4000-8000-{n:012d}"
    obj = {"type": "x-test", "id": f"x-test--00000000-0000-4000-8000-{n:012d}"}
    return bid, orjson.dumps({"type": "bundle", "id": bid, "objects": [obj]})


class Hub:
    """A push that records what it got, and fails or refuses as told."""

    def __init__(self, down: bool = False, refuse: bool = False) -> None:
        self.down = down
        self.refuse = refuse
        self.received: list[list[dict[str, Any]]] = []

    def __call__(self, objects: list[dict[str, Any]]) -> Sequence[ObjectOutcome]:
        if self.down:
            raise HubUnreachable("connection refused")
        self.received.append(objects)
        outcome = "failure" if self.refuse else "success"
        return [ObjectOutcome(o["id"], None, outcome, "no such indicator") for o in objects]


class TestOutbox:
    """Bundles wait in order, leave only when stored, and are never half written."""

    def test_delivered_in_order_then_removed(self, tmp_path: Path) -> None:
        """Three bundles go out oldest first and the outbox is empty afterwards."""
        hub = Hub()
        with Spool(tmp_path) as spool:
            for n in (1, 2, 3):
                spool.put(*bundle(n), HUB)
            delivery = deliver(spool, hub, HUB, POLICY)
            assert spool.pending() == []
        assert [b[0]["id"][-1] for b in hub.received] == ["1", "2", "3"]
        assert delivery.ok
        assert len(delivery.delivered) == 3

    def test_unreachable_keeps_everything(self, tmp_path: Path) -> None:
        """While the hub is down every bundle stays; the next delivery sends each once."""
        with Spool(tmp_path) as spool:
            spool.put(*bundle(1), HUB)
            spool.put(*bundle(2), HUB)
            down = deliver(spool, Hub(down=True), HUB, POLICY)
            assert (down.waiting, down.unreachable) == (2, "connection refused")
            assert len(spool.pending()) == 2
            hub = Hub()
            assert deliver(spool, hub, HUB, POLICY).ok
            assert deliver(spool, hub, HUB, POLICY).ok
        assert len(hub.received) == 2

    def test_refused_is_set_aside_with_its_status(self, tmp_path: Path) -> None:
        """A refused bundle moves to refused/ with the hub's reasons and is not resent."""
        with Spool(tmp_path) as spool:
            spool.put(*bundle(1), HUB)
            delivery = deliver(spool, Hub(refuse=True), HUB, POLICY)
            (reasons,) = delivery.refused.values()
            assert reasons[0].message == "no such indicator"
            assert spool.pending() == []
            (kept,) = spool.iter_refused()
            status = orjson.loads(kept.with_name(kept.name + ".status.json").read_bytes())
            assert status["results"][0]["outcome"] == "failure"

    def test_no_temporary_files_left(self, tmp_path: Path) -> None:
        """Writes leave only finished files behind."""
        with Spool(tmp_path) as spool:
            spool.put(*bundle(1), HUB)
            spool.ledger().save()
        assert not list(tmp_path.rglob(".tmp-*"))

    def test_lock(self, tmp_path: Path) -> None:
        """A second run on the same folder is refused while the first holds it."""
        with Spool(tmp_path), pytest.raises(SpoolBusy), Spool(tmp_path):
            pass
        with Spool(tmp_path):
            pass  # free again


class TestLedger:
    """The ledger knows sources by their first bytes and reports changed totals only."""

    def _tally(self, count: int, first: int = 10, last: int = 20) -> Tally:
        return Tally(IND, 0, count, first, last)

    def test_same_source_replaces_new_source_adds(self, tmp_path: Path) -> None:
        """Counts of a source read again replace its old ones; another source adds."""
        ledger = Ledger(tmp_path / "ledger.json")
        key = ledger.source_key(b"#open 1\nline a\n")
        ledger.record(key, [self._tally(3)], IDENTITY, 3600)
        (first,) = ledger.changes(1_000_000)
        ledger.mark_reported([first])
        assert ledger.source_key(b"#open 1\nline a\nline b\n") == key  # grown
        ledger.record(key, [self._tally(3)], IDENTITY, 3600)
        assert ledger.changes(2_000_000) == []
        other = ledger.source_key(b"#open 2\n")
        assert other != key
        ledger.record(other, [self._tally(2, first=5)], IDENTITY, 3600)
        (second,) = ledger.changes(3_000_000)
        assert (second.count, second.first, second.last) == (5, 5, 20)
        assert second.created == first.created
        assert second.modified > first.modified

    def test_modified_always_grows(self, tmp_path: Path) -> None:
        """A clock that went back still gives a newer modified than the last version."""
        ledger = Ledger(tmp_path / "ledger.json")
        key = ledger.source_key(b"x")
        ledger.record(key, [self._tally(1)], IDENTITY, 3600)
        (first,) = ledger.changes(5_000_000)
        ledger.mark_reported([first])
        ledger.record(key, [self._tally(2)], IDENTITY, 3600)
        (second,) = ledger.changes(1_000_000)
        assert second.modified > first.modified

    def test_round_trip_and_broken_file(self, tmp_path: Path) -> None:
        """A saved ledger loads back; a broken one is a SpoolError, not a traceback."""
        path = tmp_path / "ledger.json"
        ledger = Ledger(path)
        ledger.record(ledger.source_key(b"x"), [self._tally(1)], IDENTITY, 3600)
        ledger.mark_reported(ledger.changes(1))
        ledger.save()
        again = Ledger.load(path)
        again.record(again.source_key(b"x"), [self._tally(1)], IDENTITY, 3600)
        assert again.changes(2) == []
        path.write_text("{not json")
        with pytest.raises(SpoolError, match="not JSON"):
            Ledger.load(path)

    def test_gzip_head_is_the_content(self, tmp_path: Path) -> None:
        """A gzip log is recognised by its decompressed content, as after rotation."""
        plain = tmp_path / "conn.log"
        plain.write_bytes(b"#separator \\x09\n" * 10)
        packed = tmp_path / "conn.log.gz"
        packed.write_bytes(gzip.compress(plain.read_bytes()))
        assert source_head(plain) == source_head(packed)


def internal_bundle(n: int) -> tuple[str, bytes]:
    """A bundle naming an internal address, as ``--share-observables all`` builds them."""
    bid = f"bundle--00000000-0000-4000-8000-{n:012d}"
    obj = {"type": "ipv4-addr", "id": f"ipv4-addr--00000000-0000-4000-8000-{n:012d}"}
    return bid, orjson.dumps(
        {"type": "bundle", "id": bid, "objects": [{**obj, "value": "10.1.2.3"}]}
    )


class TestDestination:
    """A bundle goes only to the hub and collection it was built for, under a policy that
    still allows it."""

    def test_only_to_its_own_destination(self, tmp_path: Path) -> None:
        """Bundles for another hub or collection stay, counted; their own run sends them."""
        sharing = PrivacyPolicy.make(share="all")
        internal = Destination.make("https://soc.internal.example/api1/", "sightings", sharing)
        other_collection = Destination.make("https://hub.example/api1/", "other", POLICY)
        hub = Hub()
        with Spool(tmp_path) as spool:
            spool.put(*internal_bundle(1), internal)
            spool.put(*bundle(2), HUB)
            spool.put(*bundle(3), other_collection)
            delivery = deliver(spool, hub, HUB, POLICY)
            assert [b[0]["id"][-1] for b in hub.received] == ["2"]
            assert (delivery.elsewhere, delivery.ok) == (2, True)
            assert [p.destination for p in spool.pending()] == [internal, other_collection]
            again = Destination.make("HTTPS://SOC.internal.example/api1", "sightings", sharing)
            assert deliver(spool, hub, again, sharing).delivered == [internal_bundle(1)[0]]
        assert "10.1.2.3" in orjson.dumps(hub.received[-1]).decode()

    def test_current_policy_checked_again(self, tmp_path: Path) -> None:
        """A bundle built to share more than this run allows, or naming what this run's
        policy calls internal, is held (kept, not sent), and the run says why."""
        sharing = PrivacyPolicy.make(share="all")
        hub = Hub()
        with Spool(tmp_path) as spool:
            spool.put(*internal_bundle(1), Destination.make(HUB.url, HUB.collection, sharing))
            bid, payload = bundle(2)
            spool.put(bid, payload.replace(b"[{", b'[{"x_host":"mail.corp.example",'), HUB)
            stricter = PrivacyPolicy.make(own_domains=["corp.example"])
            delivery = deliver(spool, hub, HUB, stricter)
            assert hub.received == []
            assert list(delivery.held) == [internal_bundle(1)[0], bid]
            assert "--share-observables all" in delivery.held[internal_bundle(1)[0]]
            assert "internal" in delivery.held[bid]
            assert not delivery.ok
            assert len(spool.pending()) == 2

    def test_a_bundle_without_a_record_goes_nowhere(self, tmp_path: Path) -> None:
        """A bundle with no readable destination record (an older spool, a broken record) is
        kept and counted, never sent."""
        hub = Hub()
        with Spool(tmp_path) as spool:
            first = spool.put(*bundle(1), HUB)
            second = spool.put(*bundle(2), HUB)
            first.record.unlink()
            second.record.write_text("[not a record")
            delivery = deliver(spool, hub, HUB, POLICY)
            assert (hub.received, delivery.elsewhere) == ([], 2)
            assert [p.destination for p in spool.pending()] == [None, None]

    def test_record_written_with_the_bundle_and_removed_with_it(self, tmp_path: Path) -> None:
        """Each bundle has its record beside it; delivery removes both, refusal moves both."""
        with Spool(tmp_path) as spool:
            kept = spool.put(*bundle(1), HUB)
            assert Destination.from_json(kept.record.read_bytes()) == HUB
            deliver(spool, Hub(), HUB, POLICY)
            assert list(spool.outbox.iterdir()) == []
            refused = spool.put(*bundle(2), HUB)
            deliver(spool, Hub(refuse=True), HUB, POLICY)
            assert list(spool.outbox.iterdir()) == []
            assert (spool.refused / refused.record.name).exists()


class TestRetarget:
    """A waiting bundle named by another name of its collection, sent elsewhere, dropped."""

    def test_other_names_of_the_collection_are_the_same_place(self, tmp_path: Path) -> None:
        """A bundle spooled under the collection's alias goes to a run naming it by id when
        the alias is one of the collection's names, and not otherwise."""
        by_id = Destination.make("https://hub.example/api1/", "0a1b-id", POLICY)
        hub = Hub()
        with Spool(tmp_path) as spool:
            spool.put(*bundle(1), HUB)  # "sightings"
            kept = deliver(spool, hub, by_id, POLICY)
            assert (kept.delivered, kept.elsewhere) == ([], 1)
            sent = deliver(spool, hub, by_id, POLICY, names=frozenset({"sightings"}))
            assert sent.delivered == [bundle(1)[0]]

    def test_retarget_keeps_the_policy_and_drop_removes(self, tmp_path: Path) -> None:
        """Retargeting rewrites only the record's hub and collection; find names bundles by
        id or file name; drop removes bundle and record."""
        wrong = Destination.make("https://hub.example/api1/", "sightingz", POLICY)
        with Spool(tmp_path) as spool:
            first = spool.put(*bundle(1), wrong)
            second = spool.put(*bundle(2), wrong)
            assert spool.find([first.bundle_id, second.path.name, "bundle--x"]) == [first, second]
            moved = spool.retarget(first, wrong.to("HTTPS://Hub.example/api1", "sightings"))
            assert moved.destination == HUB
            assert spool.pending()[0].destination == HUB
            spool.drop(second)
            assert not second.path.exists()
            assert not second.record.exists()
            assert deliver(spool, Hub(), HUB, POLICY).delivered == [first.bundle_id]

    def test_ledger_read_without_the_spool_creates_nothing(self, tmp_path: Path) -> None:
        """What a dry run does: the ledger of a folder that does not exist is empty, and
        reading it creates nothing."""
        folder = tmp_path / "none"
        assert Spool(folder).ledger().changes(0) == []
        assert not folder.exists()
