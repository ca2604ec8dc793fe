"""Errors of exports. They carry no exit codes: the CLI maps them (exit 2).

- ``ExportError``: base of every error raised by :mod:`stixhub.export`.
    - ``UnknownFormat``: the format name is none of ``FORMATS``.
    - ``OutputError``: the output cannot be written where asked (a multi-file format without
      a directory, a directory that cannot be written).
"""

__all__ = ["ExportError", "OutputError", "UnknownFormat"]


class ExportError(Exception):
    """Base class: raised when an export cannot be made or written."""


class UnknownFormat(ExportError):
    """Raised when a format name is not one stixhub exports."""


class OutputError(ExportError):
    """Raised when the export cannot be written to the place asked for."""
