"""The sensor: log readers -> events of cyber-observables -> matches -> sightings."""

from stixhub.sensor._errors import InvalidMapping, SensorError, UnsupportedLog
from stixhub.sensor.events import Event, stix_time
from stixhub.sensor.readers import FORMATS, FieldMapping, ReadStats, load_mapping, read_log

__all__ = [
    "FORMATS",
    "Event",
    "FieldMapping",
    "InvalidMapping",
    "ReadStats",
    "SensorError",
    "UnsupportedLog",
    "load_mapping",
    "read_log",
    "stix_time",
]
