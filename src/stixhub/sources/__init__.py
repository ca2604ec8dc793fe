"""Intelligence sources named by one string: a synced folder, a file, a database collection
or a TAXII collection. ``stixhub export --from`` and ``stixhub sense --indicators`` read
through here, so both accept the same sources and refuse the same way.
"""

from stixhub.sources._errors import BadSource, SourceAuthFailed, SourceError, SourceNotFound
from stixhub.sources._open import Credentials, SourceKind, Tls, read_source, source_kind

__all__ = [
    "BadSource",
    "Credentials",
    "SourceAuthFailed",
    "SourceError",
    "SourceKind",
    "SourceNotFound",
    "Tls",
    "read_source",
    "source_kind",
]
