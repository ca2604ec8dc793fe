"""The sensor: log readers -> events of cyber-observables -> matches -> sightings."""

from stixhub.sensor._errors import (
    HubUnreachable,
    InvalidIdentity,
    InvalidMapping,
    InvalidPeriod,
    InvalidPolicy,
    InvalidReport,
    PrivacyLeak,
    SensorError,
    SpoolBusy,
    SpoolError,
    UnsupportedLog,
)
from stixhub.sensor._pipeline import SenseOptions, SenseRun, commit, load_identity, sense
from stixhub.sensor._privacy import PrivacyPolicy, ShareMode
from stixhub.sensor._report import Delivery, ObjectOutcome, Push, deliver
from stixhub.sensor._sightings import DEFAULT_PERIOD, parse_period
from stixhub.sensor._spool import Destination, Ledger, Spool
from stixhub.sensor.events import Event, stix_time
from stixhub.sensor.readers import FORMATS, FieldMapping, ReadStats, load_mapping, read_log

__all__ = [
    "DEFAULT_PERIOD",
    "FORMATS",
    "Delivery",
    "Destination",
    "Event",
    "FieldMapping",
    "HubUnreachable",
    "InvalidIdentity",
    "InvalidMapping",
    "InvalidPeriod",
    "InvalidPolicy",
    "InvalidReport",
    "Ledger",
    "ObjectOutcome",
    "PrivacyLeak",
    "PrivacyPolicy",
    "Push",
    "ReadStats",
    "SenseOptions",
    "SenseRun",
    "SensorError",
    "ShareMode",
    "Spool",
    "SpoolBusy",
    "SpoolError",
    "UnsupportedLog",
    "commit",
    "deliver",
    "load_identity",
    "load_mapping",
    "parse_period",
    "read_log",
    "sense",
    "stix_time",
]
