"""The export formats by name, and the one call that runs an export."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from stixhub.export._bundle import export_stix
from stixhub.export._csv import export_csv
from stixhub.export._errors import UnknownFormat
from stixhub.export._model import ExportOptions, ExportOutput, Filters, Selection
from stixhub.export._plain import export_plain
from stixhub.export._select import select
from stixhub.export._siem import export_elastic, export_sigma, export_splunk
from stixhub.export._suricata import export_suricata
from stixhub.export._zeek import export_zeek

__all__ = ["FORMATS", "export"]

Exporter = Callable[[Selection, ExportOptions], ExportOutput]

FORMATS: dict[str, Exporter] = {
    "zeek-intel": export_zeek,
    "suricata": export_suricata,
    "csv": export_csv,
    "plain": export_plain,
    "sigma": export_sigma,
    "splunk": export_splunk,
    "elastic": export_elastic,
    "stix": export_stix,
}


def export(
    format_name: str,
    objects: Iterable[Mapping[str, Any]],
    filters: Filters | None = None,
    options: ExportOptions | None = None,
) -> ExportOutput:
    """Select the active indicators of ``objects`` and write them in one format."""
    exporter = FORMATS.get(format_name)
    if exporter is None:
        raise UnknownFormat(f"unknown format {format_name!r} (one of {', '.join(FORMATS)})")
    return exporter(select(objects, filters or Filters()), options or ExportOptions())
