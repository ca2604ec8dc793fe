"""The TAXII 2.1 server: an ASGI application over a Store.

This is the only layer that knows HTTP; lower layers raise typed errors that one handler
turns into TAXII error resources.
"""

from stixhub.taxii.server._app import app_factory, create_app
from stixhub.taxii.server._media_types import STIX_21, TAXII_21

__all__ = ["STIX_21", "TAXII_21", "app_factory", "create_app"]
