"""The TAXII 2.1 protocol: the server (``taxii.server``) and, later, the client."""
