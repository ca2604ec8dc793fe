"""stixhub: a threat-intelligence exchange hub built on STIX 2.1 and TAXII 2.1."""

__all__ = ["__version__"]

__version__ = "0.1.0"
