"""Opening an intelligence source named by one string, as ``--from`` and ``--indicators`` take.

The string says which kind of source it is, checked in this order:

* ``http://`` or ``https://`` ending in ``/collections/<id>/``: a TAXII 2.1 collection;
* ``sqlite:``, ``postgresql:`` or ``postgresql+<driver>:`` with ``#COLLECTION``: a collection
  of a stixhub database;
* an existing directory: a synced folder (``stixhub sync --into DIR``);
* an existing file: a bundle, an envelope, an object or JSON lines.

Anything else is an error naming what was expected. Folder and TAXII sources give the latest
version of each object; a file gives what it holds (``stix.indicators.latest_versions``
picks versions for every source alike).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from stixhub.sources._database import database_objects
from stixhub.sources._errors import BadSource, SourceNotFound
from stixhub.sources._files import file_objects
from stixhub.sources._redact import redact
from stixhub.sources._taxii import taxii_objects
from stixhub.sync import FolderError
from stixhub.sync.folder import latest_objects

__all__ = ["Credentials", "SourceKind", "Tls", "read_source", "source_kind"]

SourceKind = Literal["taxii", "database", "folder", "file"]

_DATABASE = re.compile(r"(?:sqlite|postgresql(?:\+\w+)?)://", re.IGNORECASE)
_TAXII = re.compile(r"https?://[^/?#]+(?:/[^?#]*)?/collections/([^/?#]+)/?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Credentials:
    """How to authenticate to a TAXII source; read from the environment by the CLI only."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    cert: str | None = None
    """A TLS client certificate (PEM), with ``key`` when the key is in another file."""
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Tls:
    """How a TAXII source's server is checked: its CA, its pinned certificate, or not at all."""

    ca_bundle: str | None = None
    pin_sha256: str | None = None
    verify: bool = True
    timeout: float | None = None
    """Seconds to connect and for each read (None: the client's default)."""


def source_kind(spec: str) -> SourceKind:
    """Which kind of source the string names; typed errors when it names none."""
    lowered = spec.lower()
    if lowered.startswith(("http://", "https://")):
        if _TAXII.fullmatch(spec) is None:
            raise BadSource(
                f"{redact(spec)!r} is no TAXII collection URL (https://HOST/ROOT/collections/ID/)"
            )
        return "taxii"
    if _DATABASE.match(spec):
        return "database"
    path = Path(spec)
    if path.is_dir():
        return "folder"
    if path.is_file():
        return "file"
    raise SourceNotFound(
        f"{redact(spec)!r} is no existing folder or file, no DATABASE_URL#COLLECTION and no "
        "TAXII collection URL"
    )


def read_source(
    spec: str, credentials: Credentials | None = None, tls: Tls | None = None
) -> list[dict[str, Any]]:
    """The objects of the source the string names (see the module docstring)."""
    kind = source_kind(spec)
    if kind == "taxii":
        creds = credentials or Credentials()
        return taxii_objects(
            spec, creds.user, creds.password, creds.token, cert=(creds.cert, creds.key), tls=tls
        )
    if kind == "database":
        url, _, collection = spec.partition("#")
        return database_objects(url, collection)
    if kind == "folder":
        try:
            return list(latest_objects(spec))
        except FolderError as exc:
            raise BadSource(str(exc)) from None
    return file_objects(Path(spec))
