"""The public TAXII 2.1 client API: ``from stixhub.client import TaxiiClient``.

Re-exports :mod:`stixhub.taxii.client`, so users need not know the layer it lives in; its
``__all__`` is the one list of public names, so a name added there is public here too.
"""

from stixhub.taxii import client as _client
from stixhub.taxii.client import *  # noqa: F403  the facade is exactly that package's API

__all__ = list(_client.__all__)
