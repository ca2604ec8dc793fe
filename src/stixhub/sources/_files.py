"""A file source: a bundle, a TAXII envelope, a single object, or JSON lines of those.

The file is read with the same untrusted-input reader as ``stixhub load`` and ``validate``
(``parse_document``), so size, nesting and JSON limits are those of the rest of stixhub.
"""

from pathlib import Path
from typing import Any

from stixhub.sources._errors import BadSource
from stixhub.stix import StixError, parse_document

__all__ = ["file_objects"]


def file_objects(path: Path) -> list[dict[str, Any]]:
    """Every object of the file, in file order; ``BadSource`` when it is none of the forms."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadSource(f"{path}: cannot read ({exc.strerror})") from None
    try:
        document = parse_document(data)
    except StixError as exc:
        raise BadSource(f"{path}: {exc}") from None
    return [obj for obj in document.objects if isinstance(obj, dict)]
