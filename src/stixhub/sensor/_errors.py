"""Errors of the sensor layer. A malformed log line is no error: it is counted in the stats.

- ``SensorError``: base of every error raised by :mod:`stixhub.sensor`.
    - ``UnsupportedLog``: a file is not a log of a format the readers know, or not of the
      format the caller named.
    - ``InvalidMapping``: a field-mapping file for JSON lines or CSV cannot be used.
    - ``InvalidIdentity``: the reporting organisation's identity file cannot be used.
    - ``InvalidPeriod``: a reporting period does not tile the UTC day.
    - ``InvalidPolicy``: a private range, own domain or share mode cannot be read.
    - ``PrivacyLeak``: a report about to leave still names something internal.
    - ``InvalidReport``: a report fails STIX validation (a bug: nothing is sent).
    - ``HubUnreachable``: the hub could not take a report now (no answer, 5xx, 429);
      the report waits in the spool.
    - ``SpoolError``: the spool folder or its ledger cannot be read or written.
        - ``SpoolBusy``: another run holds the spool folder.
"""

__all__ = [
    "HubUnreachable",
    "InvalidIdentity",
    "InvalidMapping",
    "InvalidPeriod",
    "InvalidPolicy",
    "InvalidReport",
    "PrivacyLeak",
    "SensorError",
    "SpoolBusy",
    "SpoolError",
    "UnsupportedLog",
]


class SensorError(Exception):
    """Base class: raised when the sensor cannot do what it was asked."""


class UnsupportedLog(SensorError):
    """Raised when a file is not a log of a known format, or not of the format named."""


class InvalidMapping(SensorError):
    """Raised when a field-mapping file is unreadable or names what a reader cannot map."""


class InvalidIdentity(SensorError):
    """Raised when the identity file holds no single usable STIX identity object."""


class InvalidPeriod(SensorError):
    """Raised when a reporting period is not a whole number of minutes that tiles a day."""


class InvalidPolicy(SensorError):
    """Raised when a private range, an own domain or a share mode cannot be read."""


class PrivacyLeak(SensorError):
    """Raised when the bytes about to leave still mention something internal.

    The per-observable filter should have removed it; this is the last line of defence,
    and the send stops rather than leaking.
    """


class InvalidReport(SensorError):
    """Raised when a report the sensor built fails STIX validation; it is not sent."""


class HubUnreachable(SensorError):
    """Raised by a push when the hub cannot take a report now; the report stays spooled."""


class SpoolError(SensorError):
    """Raised when the spool folder or its ledger cannot be read or written."""


class SpoolBusy(SpoolError):
    """Raised when another run holds the spool folder."""
