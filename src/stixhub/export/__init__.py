"""Exports: the active indicators of a source in the formats of other tools.

``export(format, objects, filters)`` selects the indicators in force (``_select``) and
writes them as Zeek intel, Suricata rules and lists, CSV, plain lists, Sigma rules, Splunk
or Elasticsearch queries, or a STIX bundle. docs/exports.md describes each format.
"""

from stixhub.export._errors import ExportError, OutputError, UnknownFormat
from stixhub.export._formats import FORMATS, export
from stixhub.export._model import ExportOptions, ExportOutput, Filters, Selected, Selection
from stixhub.export._observables import MIN_PREFIX4, MIN_PREFIX6
from stixhub.export._plain import join_plain
from stixhub.export._select import select
from stixhub.export._write import write_atomic, write_tree

__all__ = [
    "FORMATS",
    "MIN_PREFIX4",
    "MIN_PREFIX6",
    "ExportError",
    "ExportOptions",
    "ExportOutput",
    "Filters",
    "OutputError",
    "Selected",
    "Selection",
    "UnknownFormat",
    "export",
    "join_plain",
    "select",
    "write_atomic",
    "write_tree",
]
