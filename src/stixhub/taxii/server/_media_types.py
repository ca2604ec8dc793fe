"""TAXII 2.1 media types and the negotiation rules of section 3.1.

The server speaks one version, so negotiation is a yes/no question: does the client accept
``application/taxii+json;version=2.1``? A bare ``application/taxii+json`` means "the newest
you have" (section 1.6.8.1), and wildcards accept anything; an explicit other version does not.
"""

from dataclasses import dataclass

__all__ = [
    "STIX_20",
    "STIX_21",
    "TAXII_21",
    "MediaType",
    "accepts_taxii_21",
    "is_acceptable_content_type",
    "parse_media_type",
]

TAXII_21 = "application/taxii+json;version=2.1"
STIX_20 = "application/stix+json;version=2.0"
STIX_21 = "application/stix+json;version=2.1"

_TAXII = "application/taxii+json"
_STIX = "application/stix+json"
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class MediaType:
    """A media type (or range) with lower-cased name and parameter names."""

    essence: str
    params: dict[str, str]


def parse_media_type(value: str) -> MediaType:
    """Parse ``type/subtype; name=value; ...``, tolerating spaces around ``;`` and ``=``."""
    name, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, sep, val = item.partition("=")
        if sep:
            params[key.strip().lower()] = val.strip().strip('"')
    return MediaType(name.strip().lower(), params)


def _quality(media: MediaType) -> float:
    try:
        return float(media.params.get("q", "1"))
    except ValueError:
        return 1.0


def accepts_taxii_21(accept: str | None) -> bool:
    """Whether an Accept header admits a TAXII 2.1 response (no header: yes, as HTTP says)."""
    if accept is None or not accept.strip():
        return True
    for item in accept.split(","):
        if not item.strip():
            continue
        media = parse_media_type(item)
        if _quality(media) <= 0:
            continue
        if media.essence in ("*/*", "application/*"):
            return True
        if media.essence == _TAXII and media.params.get("version", "2.1") == "2.1":
            return True
    return False


def is_acceptable_content_type(content_type: str | None) -> bool:
    """Whether a POST body's Content-Type is one the server reads as TAXII 2.1.

    The spec's type is ``application/taxii+json``; ``application/stix+json`` (a bundle, as the
    Splunk app sends) and plain ``application/json`` are accepted too (section 3.1 lets a
    server accept undefined types), but never an explicit version other than 2.1.
    """
    if content_type is None:
        return False
    media = parse_media_type(content_type)
    if media.essence not in (_TAXII, _STIX, _JSON):
        return False
    return media.params.get("version", "2.1") == "2.1"
