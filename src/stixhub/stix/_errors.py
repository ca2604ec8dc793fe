"""Errors of the STIX core.

- ``StixError``: base of every error raised by :mod:`stixhub.stix`.
    - ``InvalidTimestamp``: a string is not a timestamp of the required form.
    - ``InvalidJSON``: bytes are not acceptable JSON (syntax, nesting depth, top-level kind).
"""

__all__ = ["InvalidJSON", "InvalidTimestamp", "StixError"]


class StixError(ValueError):
    """Base class: raised when STIX input breaks a rule of the standard or of a safety limit."""


class InvalidTimestamp(StixError):
    """Raised when a timestamp string does not have the form the caller asked for."""


class InvalidJSON(StixError):
    """Raised when untrusted bytes are not JSON, or nest deeper than the configured limit."""
