"""The ``sense`` job: read logs, match indicators, aggregate, apply privacy, build the report.

    indicators -> PatternIndex        (valid_from / valid_until / revoked honoured per event)
    logs -> events -> matches         (read_log, PatternIndex.match)
    matches -> tallies per source     (Aggregator: indicator x reporting period)
    tallies -> ledger -> changes      (only sightings whose totals changed)
    changes -> bundle                 (sighting, observed-data, SCOs, TLP marking-definition)
    bundle -> validator, privacy check -> dry-run print, or outbox then hub

``sense`` does everything up to the checked bundle and changes nothing on disk;
``commit`` puts the bundle into the outbox and records it in the ledger; ``_report.deliver``
takes the outbox to the hub. The CLI runs the three in that order (``--dry-run`` stops after
the first), so what a dry run prints is exactly what a real run would send.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from stixhub.sensor._errors import InvalidIdentity, InvalidReport
from stixhub.sensor._privacy import PrivacyPolicy
from stixhub.sensor._sightings import DEFAULT_PERIOD, Aggregator, sighting_objects
from stixhub.sensor._spool import Change, Destination, Ledger, Spool, source_head
from stixhub.sensor.readers import MAX_LINE_BYTES, FieldMapping, ReadStats, read_log
from stixhub.stix import InvalidJSON, loads_untrusted
from stixhub.stix.markings import TlpLevel, TlpVersion, tlp_marking
from stixhub.stix.patterns import PatternIndex
from stixhub.stix.validation import ValidationOptions, Validator

__all__ = ["SenseOptions", "SenseRun", "build_index", "commit", "load_identity", "sense"]

_ID = "identity--"


def load_identity(path: str | Path) -> dict[str, Any]:
    """The reporting organisation's identity: a file with one identity object, alone or in
    a bundle. Its id becomes ``created_by_ref`` and ``where_sighted_refs``."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidIdentity(f"cannot read the identity file {path}: {exc}") from None
    try:
        doc = loads_untrusted(raw)
    except InvalidJSON as exc:
        raise InvalidIdentity(f"the identity file {path} is not JSON: {exc}") from None
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        doc = doc.get("objects")
    candidates = doc if isinstance(doc, list) else [doc]
    identities = [o for o in candidates if isinstance(o, dict) and o.get("type") == "identity"]
    if len(identities) != 1:
        raise InvalidIdentity(
            f"the identity file {path} must hold exactly one identity object, not {len(identities)}"
        )
    identity = identities[0]
    identity_id = identity.get("id")
    if not isinstance(identity_id, str) or not identity_id.startswith(_ID):
        raise InvalidIdentity(f"the identity in {path} has no identity--<UUID> id")
    try:
        uuid.UUID(identity_id[len(_ID) :])
    except ValueError:
        raise InvalidIdentity(f"the identity in {path} has no identity--<UUID> id") from None
    return identity


def build_index(
    objects: Iterable[Mapping[str, Any]],
) -> tuple[PatternIndex, dict[str, tuple[str, str]]]:
    """The index of every STIX-pattern indicator among ``objects``, and their patterns.

    Every version goes in: the index keeps the newest of each id, drops revoked ids for
    good, and checks each indicator's validity window against each event's time.
    """
    indicators = [o for o in objects if o.get("type") == "indicator"]
    index = PatternIndex(indicators)
    patterns: dict[str, tuple[str, str]] = {}
    for indicator in indicators:
        indicator_id = str(indicator.get("id", ""))
        if indicator_id in index:
            version = "2.0" if indicator.get("spec_version", "2.0") == "2.0" else "2.1"
            patterns[indicator_id] = (str(indicator.get("pattern", "")), version)
    return index, patterns


@dataclass(frozen=True, slots=True)
class SenseOptions:
    """Everything a sense run needs besides indicators, logs and the ledger.

    ``max_line_bytes`` is the readers' limit: a longer log line is counted as malformed and
    read past, never held (``read_log``).
    """

    identity: Mapping[str, Any]
    policy: PrivacyPolicy = field(default_factory=PrivacyPolicy.make)
    period: int = DEFAULT_PERIOD
    tlp: TlpLevel = "amber"
    tlp_version: TlpVersion = "1.0"
    format: str = "auto"
    mapping: FieldMapping | Path | None = None
    max_line_bytes: int = MAX_LINE_BYTES


@dataclass(slots=True)
class SenseRun:
    """What one run read, matched and would report."""

    files: list[ReadStats] = field(default_factory=list)
    indicators: int = 0
    refused_indicators: dict[str, str] = field(default_factory=dict)
    events: int = 0
    matched_events: int = 0
    matches: int = 0
    changes: list[Change] = field(default_factory=list)
    bundle: dict[str, Any] | None = None
    payload: bytes | None = None

    def summary(self) -> dict[str, Any]:
        """The run's figures as the CLI's ``--json`` prints them."""
        return {
            "indicators": self.indicators,
            "refused_indicators": len(self.refused_indicators),
            "events": self.events,
            "matched_events": self.matched_events,
            "matches": self.matches,
            "sightings": len(self.changes),
            "objects": len(self.bundle["objects"]) if self.bundle else 0,
            "files": [
                {
                    "path": s.source,
                    "format": s.format,
                    "lines": s.lines,
                    "events": s.events,
                    "skipped": s.skipped,
                    "malformed": s.malformed,
                }
                for s in self.files
            ],
        }


def _bundle(changes: Sequence[Change], options: SenseOptions) -> dict[str, Any]:
    marking = tlp_marking(options.tlp, options.tlp_version)
    identity_id = str(options.identity["id"])
    objects: list[dict[str, Any]] = [marking]
    seen: set[str] = {marking["id"]}
    for change in changes:
        for obj in sighting_objects(
            sighting=change.sighting,
            indicator_id=change.indicator_id,
            identity_id=identity_id,
            created=change.created,
            modified=change.modified,
            count=change.count,
            first=change.first,
            last=change.last,
            observables=change.observables,
            marking_id=marking["id"],
        ):
            if obj["id"] not in seen:  # an SCO shared by several sightings goes once
                seen.add(obj["id"])
                objects.append(obj)
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}


def _check(bundle: dict[str, Any], policy: PrivacyPolicy) -> bytes:
    report = Validator(ValidationOptions(strict=False)).validate_document(bundle)
    if not report.valid:
        errors = [f for f in report.findings if f.severity == "error"]
        first = errors[0] if errors else None
        where = f"{first.path}: {first.message}" if first else "invalid"
        raise InvalidReport(f"the report fails STIX 2.1 validation ({where}); nothing was sent")
    payload = orjson.dumps(bundle, option=orjson.OPT_INDENT_2) + b"\n"
    policy.check_outgoing(payload)
    return payload


def sense(
    indicators: Iterable[Mapping[str, Any]],
    logs: Sequence[str | Path],
    options: SenseOptions,
    ledger: Ledger,
    now: int,
) -> SenseRun:
    """Match the logs against the indicators and build the report of what changed.

    The ledger learns this run's counts in memory (``ledger.save`` is ``commit``'s job);
    ``now`` (microseconds) becomes the ``modified`` of new versions.
    """
    index, patterns = build_index(indicators)
    run = SenseRun(indicators=len(index), refused_indicators=dict(index.refused))
    identity_id = str(options.identity["id"])
    for log in logs:
        path = Path(log)
        stats = ReadStats(str(path))
        events = read_log(
            path,
            options.format,
            mapping=options.mapping,
            stats=stats,
            max_line_bytes=options.max_line_bytes,
        )
        key = ledger.source_key(source_head(path))
        aggregator = Aggregator(options.period, options.policy, patterns)
        match = index.match_objects  # the event's time is an integer already
        add = aggregator.add
        matched = matches = 0
        for event in events:
            ids = match(event.objects, event.time)
            if ids:
                add(event, ids)
                matched += 1
                matches += len(ids)
        ledger.record(key, aggregator.tallies(), identity_id, aggregator.period)
        run.files.append(stats)
        run.events += stats.events
        run.matched_events += matched
        run.matches += matches
    run.changes = ledger.changes(now)
    if run.changes:
        run.bundle = _bundle(run.changes, options)
        run.payload = _check(run.bundle, options.policy)
    return run


def commit(run: SenseRun, spool: Spool, ledger: Ledger, destination: Destination) -> None:
    """Put the run's bundle into the outbox for ``destination`` (the hub and collection it
    was built for, and the policy it was checked under), then record it in the ledger."""
    if run.bundle is not None and run.payload is not None:
        spool.put(str(run.bundle["id"]), run.payload, destination)
        ledger.mark_reported(run.changes)
    ledger.save()
