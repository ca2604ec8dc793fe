"""The sensor: log readers -> events of cyber-observables -> matches -> sightings."""

from stixhub.sensor._errors import InvalidMapping, SensorError, UnsupportedLog
from stixhub.sensor.events import Event, stix_time

__all__ = [
    "Event",
    "InvalidMapping",
    "SensorError",
    "UnsupportedLog",
    "stix_time",
]
