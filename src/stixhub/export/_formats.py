"""The export formats by name, and the one call that runs an export."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from stixhub.export._bundle import export_stix
from stixhub.export._csv import export_csv
from stixhub.export._errors import UnknownFormat
from stixhub.export._model import ExportOptions, ExportOutput, Filters, Selection
from stixhub.export._plain import export_plain
from stixhub.export._select import select
from stixhub.export._suricata import export_suricata
from stixhub.export._zeek import export_zeek

__all__ = ["FORMATS", "export"]

Exporter = Callable[[Selection, ExportOptions], ExportOutput]


# The SIEM formats go through pySigma, which takes a quarter of a second of CPU to import:
# every ``stixhub`` process would pay it (the CLI imports this module to list the formats),
# so it is imported only when one of these formats runs.


def export_sigma(selection: Selection, options: ExportOptions) -> ExportOutput:
    """Sigma rules (``_siem.export_sigma``), pySigma imported on first use."""
    from stixhub.export import _siem  # noqa: PLC0415  pySigma is slow to import

    return _siem.export_sigma(selection, options)


def export_splunk(selection: Selection, options: ExportOptions) -> ExportOutput:
    """Splunk queries (``_siem.export_splunk``), pySigma imported on first use."""
    from stixhub.export import _siem  # noqa: PLC0415  pySigma is slow to import

    return _siem.export_splunk(selection, options)


def export_elastic(selection: Selection, options: ExportOptions) -> ExportOutput:
    """Elasticsearch queries (``_siem.export_elastic``), pySigma imported on first use."""
    from stixhub.export import _siem  # noqa: PLC0415  pySigma is slow to import

    return _siem.export_elastic(selection, options)


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
