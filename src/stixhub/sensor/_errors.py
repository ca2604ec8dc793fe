"""Errors of the sensor layer. A malformed log line is no error: it is counted in the stats.

- ``SensorError``: base of every error raised by :mod:`stixhub.sensor`.
    - ``UnsupportedLog``: a file is not a log of a format the readers know, or not of the
      format the caller named.
    - ``InvalidMapping``: a field-mapping file for JSON lines or CSV cannot be used.
"""

__all__ = ["InvalidMapping", "SensorError", "UnsupportedLog"]


class SensorError(Exception):
    """Base class: raised when the sensor cannot do what it was asked."""


class UnsupportedLog(SensorError):
    """Raised when a file is not a log of a known format, or not of the format named."""


class InvalidMapping(SensorError):
    """Raised when a field-mapping file is unreadable or names what a reader cannot map."""
