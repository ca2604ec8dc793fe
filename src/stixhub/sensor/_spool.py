"""The sensor's memory on disk: the outbox of bundles not yet delivered, and the ledger.

One folder (``--spool DIR``) holds

- ``outbox/``: one file per bundle waiting for the hub, named ``<sequence>-<bundle id>.json``
  so they go out in the order they were made, each beside ``<name>.to.json``: the
  ``Destination`` it was built for (hub URL, collection, share mode and privacy-policy
  digest), so a bundle made for an internal hub never goes to another one. The record is
  written first and the bundle second, each whole or not at all (temporary file, fsync,
  ``os.replace``, fsync of the folder): a bundle is never in the outbox without its record.
  A bundle is removed (with its record) only once the hub's status says every object of it
  was stored;
- ``refused/``: bundles the hub refused in part, each with the status that says why
  (``<name>.status.json``), kept for a person to read; they are not sent again;
- ``ledger.json``: what the sensor has counted and reported (below), replaced atomically;
- ``lock``: held (``flock``) while a run uses the folder, so two runs never interleave.

The ledger is what makes "the same logs again change nothing" and "more logs of the same
hour update the count" both hold. Counts are kept per sighting *and per log source*; a
source is recognised by the first bytes of its content (``SOURCE_HEAD`` bytes, gzip
decompressed), not by its name: a log read again, under any name, or grown since
(appended to, as a live log is), is the same source, and its new counts *replace* its old
ones; a log with other first bytes (the next hour's file) is a new source whose counts
*add*. A sighting is reported again only when its total (count, first and last seen,
shared observables) differs from what was last reported.

Order of writes in a run: the bundle goes into the outbox first, then the ledger records it
as reported. A crash between the two makes the next run report the same figures again as a
newer version, which a hub stores as one more version of the same sighting; the other order
could lose a bundle.
"""

import contextlib
import fcntl
import gzip
import hashlib
import os
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from stixhub.sensor._errors import SpoolBusy, SpoolError
from stixhub.sensor._privacy import SHARE_MODES, PrivacyPolicy, ShareMode
from stixhub.sensor._sightings import MAX_OBSERVABLES, Tally, sighting_id
from stixhub.sensor.events import stix_time
from stixhub.stix import parse_rfc3339_micros

__all__ = [
    "LEDGER_VERSION",
    "SOURCE_HEAD",
    "Change",
    "Destination",
    "Ledger",
    "Pending",
    "Spool",
    "source_head",
]

SOURCE_HEAD = 65_536
"""Bytes of a log's (decompressed) content that recognise it as a source."""
LEDGER_VERSION = 1
_OUTBOX_NAME = re.compile(r"^(\d{12})-(bundle--[0-9a-f-]{36})\.json$")
_GZIP_MAGIC = b"\x1f\x8b"
_RECORD_SUFFIX = ".to.json"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all, and make the rename itself durable."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def source_head(path: str | os.PathLike[str]) -> bytes:
    """The first ``SOURCE_HEAD`` bytes of a log's content, decompressed if it is gzip."""
    try:
        with open(path, "rb") as raw:
            magic = raw.read(2)
            raw.seek(0)
            if magic == _GZIP_MAGIC:
                with gzip.open(raw) as unpacked:
                    return _read_up_to(unpacked, SOURCE_HEAD)
            return _read_up_to(raw, SOURCE_HEAD)
    except (OSError, EOFError, zlib.error) as exc:
        raise SpoolError(f"cannot read {os.fspath(path)}: {exc}") from None


def _read_up_to(handle: Any, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        chunk = handle.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class Change:
    """A sighting whose figures differ from what was last reported: its next version."""

    sighting: str
    indicator_id: str
    created: str
    modified: str
    count: int
    first: int
    last: int
    observables: tuple[dict[str, Any], ...]


def _sum(parts: Iterable[list[Any]]) -> tuple[int, int, int, list[str]] | None:
    count, first, last = 0, 0, 0
    scos: set[str] = set()
    for part in parts:
        c, f, la, ids = part
        if not c:
            continue
        first = f if count == 0 else min(first, f)
        last = la if count == 0 else max(last, la)
        count += c
        scos.update(ids)
    if count == 0:
        return None
    return count, first, last, sorted(scos)[:MAX_OBSERVABLES]


class Ledger:
    """Counts per sighting and per log source, and what was last reported of each."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self._data: dict[str, Any] = data or {
            "version": LEDGER_VERSION,
            "sources": {},
            "sightings": {},
            "observables": {},
        }
        self._dirty: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> "Ledger":
        """Read the ledger; a missing file is an empty ledger, a broken one an error."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise SpoolError(f"cannot read the ledger {path}: {exc}") from None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise SpoolError(
                f"the ledger {path} is not JSON; move it away to start afresh"
            ) from None
        if not isinstance(data, dict) or data.get("version") != LEDGER_VERSION:
            raise SpoolError(f"the ledger {path} is not a version {LEDGER_VERSION} ledger")
        for key in ("sources", "sightings", "observables"):
            if not isinstance(data.get(key), dict):
                raise SpoolError(f"the ledger {path} has no {key!r} table")
        return cls(path, data)

    def save(self) -> None:
        """Replace the ledger file atomically."""
        try:
            _write_atomic(self.path, orjson.dumps(self._data))
        except OSError as exc:
            raise SpoolError(f"cannot write the ledger {self.path}: {exc}") from None

    # Sources ---------------------------------------------------------------------------

    def source_key(self, head: bytes) -> str:
        """The key of the known source whose first bytes ``head`` continues, or a new one.

        A known source of n bytes matches when ``head`` starts with those n bytes; of
        several, the longest wins. The source's recorded head then grows to ``head``.
        """
        sources: dict[str, Any] = self._data["sources"]
        digests: dict[int, str] = {}
        best: tuple[int, str] | None = None
        for key, known in sources.items():
            length = int(known["n"])
            if length == 0 or length > len(head):
                continue
            digest = digests.get(length)
            if digest is None:
                digest = digests[length] = hashlib.sha256(head[:length]).hexdigest()
            if digest == known["head"] and (best is None or length > best[0]):
                best = (length, key)
        new_digest = hashlib.sha256(head).hexdigest()
        if best is None:
            key = new_digest[:32]
            while key in sources:  # the same head recorded twice cannot happen; be safe
                key = hashlib.sha256(key.encode()).hexdigest()[:32]
            sources[key] = {"n": len(head), "head": new_digest, "sightings": []}
            return key
        key = best[1]
        sources[key]["n"] = len(head)
        sources[key]["head"] = new_digest
        return key

    def record(self, source: str, tallies: Iterable[Tally], identity_id: str, period: int) -> None:
        """Make ``tallies`` the whole contribution of ``source``, replacing what it had."""
        known = self._data["sources"][source]
        sightings: dict[str, Any] = self._data["sightings"]
        observables: dict[str, Any] = self._data["observables"]
        for old in known["sightings"]:
            entry = sightings.get(old)
            if entry is not None and entry["sources"].pop(source, None) is not None:
                self._dirty.add(old)
        contributed: list[str] = []
        for tally in tallies:
            sid = sighting_id(identity_id, tally.indicator_id, tally.start, period)
            entry = sightings.get(sid)
            if entry is None:
                entry = sightings[sid] = {
                    "indicator": tally.indicator_id,
                    "start": tally.start,
                    "period": period,
                    "created": None,
                    "modified": None,
                    "reported": None,
                    "sources": {},
                }
            for sco_id, sco in tally.observables.items():
                observables.setdefault(sco_id, sco)
            entry["sources"][source] = [
                tally.count,
                tally.first,
                tally.last,
                sorted(tally.observables),
            ]
            contributed.append(sid)
            self._dirty.add(sid)
        known["sightings"] = contributed

    # Reports ---------------------------------------------------------------------------

    def changes(self, now: int) -> list[Change]:
        """The sightings touched since loading whose totals differ from the last report.

        ``modified`` is ``now``, or a millisecond after the previous version when the clock
        has not moved past it (a version must be newer than the one before, STIX 2.1 3.6).
        """
        found: list[Change] = []
        sightings: dict[str, Any] = self._data["sightings"]
        observables: dict[str, Any] = self._data["observables"]
        for sid in sorted(self._dirty):
            entry = sightings.get(sid)
            if entry is None:
                continue
            total = _sum(entry["sources"].values())
            if total is None or list(total) == entry["reported"]:
                continue
            modified = now
            if entry["modified"] is not None:
                modified = max(now, parse_rfc3339_micros(entry["modified"]) + 1000)
            created = entry["created"] or stix_time(modified)
            count, first, last, scos = total
            found.append(
                Change(
                    sid,
                    entry["indicator"],
                    created,
                    stix_time(modified),
                    count,
                    first,
                    last,
                    tuple(observables[s] for s in scos if s in observables),
                )
            )
        return found

    def mark_reported(self, changes: Iterable[Change]) -> None:
        """Remember the figures of versions handed to the outbox."""
        sightings: dict[str, Any] = self._data["sightings"]
        for change in changes:
            entry = sightings[change.sighting]
            entry["created"] = change.created
            entry["modified"] = change.modified
            entry["reported"] = [
                change.count,
                change.first,
                change.last,
                sorted(o["id"] for o in change.observables),
            ]

    def reported(self, sighting: str) -> Mapping[str, Any] | None:
        """The ledger entry of a sighting (for reports and tests), or None."""
        entry = self._data["sightings"].get(sighting)
        return dict(entry) if isinstance(entry, dict) else None


def _normal_url(url: str) -> str:
    """A hub URL as compared: scheme and host lower case, the path with its final slash."""
    parts = urlsplit(url.strip())
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def policy_digest(policy: PrivacyPolicy) -> str:
    """SHA-256 of what the policy treats as internal and what it shares, order aside."""
    text = orjson.dumps(
        {
            "ranges": sorted(str(r) for r in policy.private_ranges),
            "domains": sorted(policy.own_domains),
            "share": policy.share,
        }
    )
    return hashlib.sha256(text).hexdigest()


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a bundle was built to go and under which privacy policy.

    ``collection`` is the collection's id when the hub was reachable as the bundle was
    spooled (the run resolved the id, alias or title given), else the name as given: the hub
    was down, so that is all that is known; ``same_place`` then takes the other names the
    collection goes by. ``url`` is normalised by ``_normal_url``.
    """

    url: str
    collection: str
    share: ShareMode
    policy: str
    """``policy_digest`` of the policy the bundle was built and checked under."""

    @classmethod
    def make(cls, url: str, collection: str, policy: PrivacyPolicy) -> "Destination":
        """The destination of a run reporting to ``url``/``collection`` under ``policy``."""
        return cls(_normal_url(url), collection, policy.share, policy_digest(policy))

    def same_place(self, other: "Destination", names: AbstractSet[str] = frozenset()) -> bool:
        """Whether both name the same hub URL and collection (policies aside); ``names`` are
        the other names (alias, title) that ``other``'s collection is known by."""
        return self.url == other.url and (
            self.collection == other.collection or self.collection in names
        )

    def to(self, url: str, collection: str) -> "Destination":
        """The same bundle sent elsewhere: the share mode and policy it was built under stay
        (so the sending run's policy still checks it)."""
        return Destination(_normal_url(url), collection, self.share, self.policy)

    def shares_no_more_than(self, share: ShareMode) -> bool:
        """Whether the bundle shares no more than ``share`` allows (none < external < all)."""
        return SHARE_MODES.index(self.share) <= SHARE_MODES.index(share)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"url": self.url, "collection": self.collection, "share": self.share,
             "policy": self.policy}
        )  # fmt: skip

    @classmethod
    def from_json(cls, raw: bytes) -> "Destination | None":
        """The record's destination, or None when it is not one (it is then kept, unsent)."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        url, collection, share, policy = (
            data.get(k) for k in ("url", "collection", "share", "policy")
        )
        if (
            isinstance(url, str)
            and isinstance(collection, str)
            and isinstance(policy, str)
            and share in SHARE_MODES
        ):
            return cls(url, collection, share, policy)
        return None


@dataclass(frozen=True, slots=True)
class Pending:
    """A bundle waiting in the outbox, and the destination it was built for.

    ``destination`` is None for a bundle without a readable record (spooled by a version
    that kept none): it goes nowhere until a person sends or removes it.
    """

    path: Path
    bundle_id: str
    destination: Destination | None = None

    @property
    def record(self) -> Path:
        """The file holding the destination."""
        return self.path.with_name(self.path.name[: -len(".json")] + _RECORD_SUFFIX)

    def read(self) -> bytes:
        return self.path.read_bytes()


class Spool:
    """The spool folder, locked for one run; use it as a context manager."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.outbox = self.folder / "outbox"
        self.refused = self.folder / "refused"
        self._lock: int | None = None

    def __enter__(self) -> "Spool":
        try:
            for path in (self.folder, self.outbox, self.refused):
                path.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._lock = os.open(self.folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SpoolError(f"cannot use the spool folder {self.folder}: {exc}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock)
            self._lock = None
            raise SpoolBusy(f"another run is using the spool folder {self.folder}") from None
        return self

    def __exit__(self, *_: object) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None

    def ledger(self) -> Ledger:
        """The ledger of this folder; works unlocked and creates nothing (a dry run reads it
        without entering the spool)."""
        return Ledger.load(self.folder / "ledger.json")

    def pending(self) -> list[Pending]:
        """Bundles waiting in the outbox, oldest first, each with its destination."""
        found = []
        try:
            for path in sorted(self.outbox.iterdir()):
                m = _OUTBOX_NAME.match(path.name)
                if m is not None:
                    unread = Pending(path, m.group(2))
                    try:
                        destination = Destination.from_json(unread.record.read_bytes())
                    except FileNotFoundError:
                        destination = None
                    found.append(Pending(path, unread.bundle_id, destination))
        except OSError as exc:
            raise SpoolError(f"cannot read the outbox {self.outbox}: {exc}") from None
        return found

    def put(self, bundle_id: str, payload: bytes, destination: Destination) -> Pending:
        """Add a bundle to the outbox, after every bundle already there, with where it goes."""
        pending = self.pending()
        sequence = int(pending[-1].path.name[:12]) + 1 if pending else 1
        path = self.outbox / f"{sequence:012d}-{bundle_id}.json"
        added = Pending(path, bundle_id, destination)
        try:
            _write_atomic(added.record, destination.to_json())  # the record first, see above
            _write_atomic(path, payload)
        except OSError as exc:
            raise SpoolError(f"cannot write to the outbox {self.outbox}: {exc}") from None
        return added

    def delivered(self, pending: Pending) -> None:
        """Remove a bundle the hub stored whole, then its record."""
        pending.path.unlink(missing_ok=True)
        pending.record.unlink(missing_ok=True)

    def find(self, names: Iterable[str]) -> list[Pending]:
        """The waiting bundles named by bundle id or file name, in outbox order."""
        wanted = set(names)
        return [p for p in self.pending() if {p.bundle_id, p.path.name} & wanted]

    def retarget(self, pending: Pending, destination: Destination) -> Pending:
        """Give a waiting bundle another destination record (replaced atomically)."""
        try:
            _write_atomic(pending.record, destination.to_json())
        except OSError as exc:
            raise SpoolError(f"cannot write to the outbox {self.outbox}: {exc}") from None
        return Pending(pending.path, pending.bundle_id, destination)

    def drop(self, pending: Pending) -> None:
        """Remove a waiting bundle unsent (a person's decision), then its record."""
        try:
            self.delivered(pending)
        except OSError as exc:
            raise SpoolError(f"cannot remove {pending.path}: {exc}") from None

    def set_aside(self, pending: Pending, status: Mapping[str, Any]) -> Path:
        """Move a partly refused bundle to ``refused/`` with the status that refused it."""
        target = self.refused / pending.path.name
        _write_atomic(target.with_name(target.name + ".status.json"), orjson.dumps(status))
        os.replace(pending.path, target)
        with contextlib.suppress(FileNotFoundError):
            os.replace(pending.record, self.refused / pending.record.name)
        return target

    def iter_refused(self) -> Iterator[Path]:
        """Bundles set aside so far."""
        yield from sorted(p for p in self.refused.glob("*.json") if _OUTBOX_NAME.match(p.name))
