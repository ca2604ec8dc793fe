"""``next`` tokens: signed, self-contained keyset cursors (TAXII 2.1 section 3.4, App. B).

A token carries the collection, the endpoint, the filters of the first request and the
``date_added`` of the last record served, under an HMAC with the hub's secret key. Any server
process sharing the database (and so the key) can continue it, now or hours later; nothing
is kept in memory. A token is never trusted by itself: the caller's rights are checked on
every request, and a token used for another collection, endpoint or set of filters is refused.
"""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import orjson

from stixhub.taxii.server._errors import BadCursor

__all__ = ["Cursor", "CursorCodec"]

_VERSION = 1
_CONTEXT = b"stixhub-next-v1\x00"


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a paged query stands: for which request, and after which date_added."""

    collection_id: str
    endpoint: str
    filters: dict[str, str]
    after: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Signs and checks ``next`` tokens with one secret key."""

    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(_CONTEXT + key).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def encode(self, cursor: Cursor) -> str:
        """Make the token for a cursor."""
        payload = orjson.dumps(
            {
                "v": _VERSION,
                "c": cursor.collection_id,
                "e": cursor.endpoint,
                "f": cursor.filters,
                "a": cursor.after,
            },
            option=orjson.OPT_SORT_KEYS,
        )
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, token: str, collection_id: str, endpoint: str) -> Cursor:
        """Check a token for this collection and endpoint and return its cursor."""
        if len(token) > 8192:
            raise BadCursor("the next token is too long to be one of ours")
        body, sep, mac = token.partition(".")
        try:
            payload, signature = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError):
            raise BadCursor("the next token is malformed") from None
        if not sep or not hmac.compare_digest(signature, self._mac(payload)):
            raise BadCursor("the next token was not issued by this server or was altered")
        data: Any = orjson.loads(payload)
        if data.get("v") != _VERSION:
            raise BadCursor("the next token is of an unknown version")
        if data.get("c") != collection_id or data.get("e") != endpoint:
            raise BadCursor("the next token belongs to another collection or endpoint")
        return Cursor(data["c"], data["e"], dict(data["f"]), int(data["a"]))
