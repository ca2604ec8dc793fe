"""Deterministic generation of realistic STIX 2.1 indicators for the poll benchmark.

Why generated data: the issue asks for a 100,000-object collection (and 1,000,000 for the
scale check) and no public corpus of that size ships with the project. The objects must look
like what a CERT really publishes (indicators with patterns over IPs, domains, URLs, hashes
and e-mail addresses, with kill chain phases, markings and references), because the size and
shape of each object drive the cost of every server's read path. Everything comes from one
``random.Random(seed)`` so two runs (and two servers) see byte-identical data, with unique
ids and valid STIX 2.1 (checked by ``bench/poll.py --check-data`` with the OASIS ``stix2``
package from the competitors' virtualenv).
"""

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

__all__ = ["IDENTITY", "TLP_GREEN", "dataset_file", "indicators", "write_bundle"]

IDENTITY = "identity--5e3a1c0b-7f3e-4c1a-9d7e-2b6f0c8a4e11"
"""The ``created_by_ref`` of every generated indicator: one imaginary national CERT."""

TLP_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
"""The TLP:GREEN marking definition id fixed by the STIX 2.1 specification."""

_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = 3 * 365 * 24 * 3600

_TLDS = ("com", "net", "org", "info", "biz", "ru", "cn", "top", "xyz", "io", "cc", "nl")
_WORDS = (
    "update", "secure", "login", "cdn", "mail", "portal", "cloud", "sync", "auth", "files",
    "invoice", "account", "verify", "support", "office", "drive", "service", "api", "static",
    "docs", "share", "payment", "billing", "track", "delivery", "vpn", "remote", "admin",
)  # fmt: skip
_PHASES = (
    "reconnaissance", "initial-access", "execution", "persistence", "privilege-escalation",
    "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection",
    "command-and-control", "exfiltration", "impact",
)  # fmt: skip
_KINDS = ("malicious-activity", "anomalous-activity", "attribution", "compromised")
_FAMILIES = (
    "Emotet", "QakBot", "IcedID", "Cobalt Strike", "AgentTesla", "RedLine", "Remcos",
    "AsyncRAT", "LockBit", "BlackCat", "Sliver", "PlugX", "ShadowPad", "Industroyer",
)  # fmt: skip


def _timestamp(moment: datetime) -> str:
    """STIX timestamp with millisecond precision, the form most producers emit."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _domain(rng: random.Random) -> str:
    parts = [rng.choice(_WORDS), rng.choice(_WORDS) + str(rng.randrange(1000))]
    return "-".join(parts) + "." + rng.choice(_TLDS)


def _ipv4(rng: random.Random) -> str:
    first = rng.choice([5, 23, 31, 45, 62, 77, 91, 103, 141, 178, 185, 193, 194, 212])
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _observable(rng: random.Random) -> tuple[str, str, str]:
    """A (pattern, name, description) triple for one indicator."""
    family = rng.choice(_FAMILIES)
    roll = rng.random()
    if roll < 0.30:
        ip = _ipv4(rng)
        return (
            f"[ipv4-addr:value = '{ip}']",
            f"{family} C2 server {ip}",
            f"IPv4 address observed serving {family} command and control traffic.",
        )
    if roll < 0.55:
        domain = _domain(rng)
        return (
            f"[domain-name:value = '{domain}']",
            f"{family} domain {domain}",
            f"Domain registered for {family} delivery; resolves to bulletproof hosting.",
        )
    if roll < 0.70:
        url = f"https://{_domain(rng)}/{rng.choice(_WORDS)}/{rng.getrandbits(40):x}.php"
        return (
            f"[url:value = '{url}']",
            f"{family} download URL",
            f"URL distributing the {family} loader in phishing campaigns.",
        )
    if roll < 0.90:
        sha256 = f"{rng.getrandbits(256):064x}"
        md5 = f"{rng.getrandbits(128):032x}"
        return (
            f"[file:hashes.'SHA-256' = '{sha256}' OR file:hashes.MD5 = '{md5}']",
            f"{family} sample {sha256[:12]}",
            f"File hashes of an observed {family} sample.",
        )
    sender = f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}@{_domain(rng)}"
    return (
        f"[email-message:from_ref.value = '{sender}']",
        f"{family} phishing sender",
        f"Sender address of a {family} phishing wave aimed at public administrations.",
    )


def _indicator(rng: random.Random, number: int) -> dict[str, Any]:
    created = _EPOCH + timedelta(
        seconds=rng.randrange(_SPAN_SECONDS), milliseconds=rng.randrange(1000)
    )
    modified = created + timedelta(seconds=rng.choice([0, 0, 0, 3600, 86400, 7 * 86400]))
    pattern, name, description = _observable(rng)
    indicator: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{_uuid4(rng)}",
        "created_by_ref": IDENTITY,
        "created": _timestamp(created),
        "modified": _timestamp(modified),
        "name": name,
        "description": description,
        "indicator_types": [rng.choice(_KINDS)],
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": _timestamp(created),
        "valid_until": _timestamp(created + timedelta(days=rng.choice([30, 90, 180, 365]))),
        "kill_chain_phases": [
            {"kill_chain_name": "mitre-attack", "phase_name": rng.choice(_PHASES)}
        ],
        "confidence": rng.choice([15, 30, 50, 70, 85, 95]),
        "lang": "en",
        "labels": sorted({rng.choice(_FAMILIES).lower().replace(" ", "-"), "bench"}),
        "external_references": [
            {"source_name": "bench-cert-feed", "external_id": f"BCF-{number:07d}"}
        ],
        "object_marking_refs": [TLP_GREEN],
    }
    return indicator


def indicators(count: int, seed: int = 42, start: int = 0) -> Iterator[dict[str, Any]]:
    """Yield ``count`` indicators; the same (seed, start) always gives the same objects.

    ``start`` lets the million-object load generate in batches without holding everything in
    memory: each batch seeds its own generator from (seed, start), so a run is reproducible
    for a given batch size, and ids (122 random bits each) do not collide between batches.
    """
    rng = random.Random(f"{seed}:{start}")
    for number in range(start, start + count):
        yield _indicator(rng, number)


def dataset_file(cache: Path, count: int, seed: int) -> Path:
    """The bundle file of ``count`` generated indicators, written once and reused."""
    path = cache / f"indicators-{count}-seed{seed}.json"
    if not path.exists():
        write_bundle(path, list(indicators(count, seed)), seed)
    return path


def write_bundle(path: Path, objects: list[dict[str, Any]], seed: int) -> None:
    """Write a STIX 2.1 bundle atomically (a half-written cache file would poison later runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"bundle:{seed}:{len(objects)}")
    bundle = {"type": "bundle", "id": f"bundle--{_uuid4(rng)}", "objects": objects}
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(bundle))
    tmp.replace(path)
