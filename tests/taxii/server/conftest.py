"""A hub with accounts and collections, served in-process, on both database backends."""

import base64
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from stixhub.settings import Settings
from stixhub.store import SqlStore, hash_token, make_engine, new_token
from stixhub.taxii.server import TAXII_21, create_app

INTEL = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"
SIGHTINGS = "c2ecd5a1-4b2e-4d0c-9c5b-6a2f55c3b1e7"
PUBLIC = "0d6e0b8f-6a0b-4f3e-9a65-6f2b9c1e2d3a"
HIDDEN = "9f1c8b9e-3c1e-4b6b-8f0a-2d4b1e7c5a90"

ACCEPT = {"Accept": TAXII_21}

# Real argon2id hashes, made with the smallest cost so that each login in a test is cheap;
# the server verifies them through the same code path as production hashes.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_HASHES: dict[str, str] = {}


def cheap_hash(password: str) -> str:
    """An argon2id hash of a password at minimal cost, made once per test run."""
    if password not in _HASHES:
        _HASHES[password] = _CHEAP.hash(password)
    return _HASHES[password]


def basic(name: str, password: str) -> dict[str, str]:
    """Headers with HTTP Basic credentials and the TAXII Accept header."""
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {**ACCEPT, "Authorization": f"Basic {token}"}


@dataclass
class Hub:
    """The test hub: its store, an HTTP client, credentials per role and a clock to steer."""

    store: SqlStore
    client: TestClient
    headers: dict[str, dict[str, str]]
    clock: list[int]

    def url(self, collection: str = INTEL, rest: str = "") -> str:
        """The URL of a collection endpoint in API root api1."""
        return f"/api1/collections/{collection}/{rest}"

    def get(self, url: str, who: str = "admin", **kw: Any) -> Any:
        """GET as a role."""
        return self.client.get(url, headers=self.headers[who], **kw)

    def post_objects(
        self, objects: list[dict[str, Any]], who: str = "admin", collection: str = INTEL
    ) -> Any:
        """POST an envelope as a role."""
        headers = {**self.headers[who], "Content-Type": TAXII_21}
        return self.client.post(
            self.url(collection, "objects/"), headers=headers, json={"objects": objects}
        )


@pytest.fixture
def hub_factory(db_url: str) -> Iterator[Callable[..., Hub]]:
    """Builds a hub with roles: admin (all rights), reader, writer, nobody; and a clock."""
    made: list[tuple[SqlStore, TestClient]] = []

    def make(**settings: Any) -> Hub:
        clock = [1_700_000_000_000_000]

        def tick() -> int:
            clock[0] += 1
            return clock[0]

        store = SqlStore(make_engine(db_url), clock=tick)
        store.create_api_root(
            "api1", "API one", max_content_length=settings.pop("max_len", 1 << 20)
        )
        store.create_collection("api1", "Intel", collection_id=INTEL, alias="intel")
        store.create_collection("api1", "Sightings", collection_id=SIGHTINGS)
        store.create_collection("api1", "Public", collection_id=PUBLIC, public_read=True)
        store.create_collection("api1", "Hidden", collection_id=HIDDEN)
        headers: dict[str, dict[str, str]] = {"anonymous": dict(ACCEPT)}
        for name, grants in {
            "admin": {
                INTEL: (True, True),
                SIGHTINGS: (True, True),
                HIDDEN: (True, True),
                PUBLIC: (True, True),
            },
            "reader": {INTEL: (True, False), SIGHTINGS: (False, True)},
            "writer": {INTEL: (False, True)},
            "nobody": {},
        }.items():
            store.create_account(name, cheap_hash(f"{name}-pw"))
            for cid, (r, w) in grants.items():
                store.grant(name, cid, r, w)
            headers[name] = basic(name, f"{name}-pw")
        token = new_token()
        store.add_token("reader", hash_token(store.secret_key(), token))
        headers["reader-token"] = {**ACCEPT, "Authorization": f"Bearer {token}"}
        base_url = settings.pop("base_url", "https://testserver")
        app = create_app(Settings(db=db_url, **settings), store)
        client = TestClient(app, base_url=base_url)
        client.__enter__()
        made.append((store, client))
        return Hub(store, client, headers, clock)

    yield make
    for store, client in made:
        client.__exit__(None, None, None)
        store.close()


@pytest.fixture
def hub(hub_factory: Callable[..., Hub]) -> Hub:
    """A hub with default settings."""
    return hub_factory()


# The fixed TLP 1.0 GREEN marking (STIX 2.1 section 7.2.1.4): created, no modified.
TLP_GREEN: dict[str, Any] = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "created": "2017-01-20T00:00:00.000Z",
    "definition_type": "tlp",
    "name": "TLP:GREEN",
    "definition": {"tlp": "green"},
}


def indicator(n: int, modified: str = "2024-03-01T10:00:00.000Z", **extra: Any) -> dict[str, Any]:
    """A valid STIX 2.1 indicator whose id is derived from ``n``."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=n, version=4)}",
        "created": "2024-03-01T10:00:00.000Z",
        "modified": modified,
        "name": f"indicator {n}",
        "pattern": f"[ipv4-addr:value = '198.51.100.{n % 256}']",
        "pattern_type": "stix",
        "valid_from": "2024-03-01T00:00:00Z",
        **extra,
    }
