"""Sigma rules, Splunk SPL and Elasticsearch (Lucene) queries of the selected indicators.

``sigma`` writes the rules as YAML documents (``---`` between rules). ``splunk`` and
``elastic`` hand the same rules (without ``cased``, which those backends cannot express) to
pySigma's own backends, ``SplunkBackend`` and ``LuceneBackend``, through a processing
pipeline that maps stixhub's fields to Splunk CIM or to ECS (``CIM_FIELDS``,
``ECS_FIELDS``); a field mapped to several names matches any of them. They write one JSON
line per indicator: ``{"id": ..., "title": ..., "query": ...}``, so every query keeps the
indicator it stands for.

Splunk's search language has no single-character wildcard (pySigma writes ``?`` as ``*``,
which would widen a LIKE ``_``), so a rule with one is skipped for ``splunk`` and counted.
"""

from collections import Counter
from collections.abc import Callable

import orjson
import yaml
from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
from sigma.backends.splunk.splunk import SplunkBackend
from sigma.conversion.base import TextQueryBackend
from sigma.exceptions import SigmaError
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import FieldMappingTransformation
from sigma.rule import SigmaRule
from sigma.types import SigmaString, SpecialChars

from stixhub.export._model import (
    UNSELECTED_TYPE,
    ExportOptions,
    ExportOutput,
    Selected,
    Selection,
)
from stixhub.export._sigma import NetworkRefused, SigmaSkip, build_rule, rule_document

__all__ = [
    "CIM_FIELDS",
    "ECS_FIELDS",
    "export_elastic",
    "export_sigma",
    "export_splunk",
    "pipeline",
]

ECS_FIELDS: dict[str, str | list[str]] = {
    "ipv4": ["source.ip", "destination.ip"],
    "ipv6": ["source.ip", "destination.ip"],
    "domain": ["dns.question.name", "url.domain", "tls.client.server_name"],
    "url": "url.full",
    "email": ["email.from.address", "email.to.address"],
    "file.name": "file.name",
    "file.hash.md5": "file.hash.md5",
    "file.hash.sha1": "file.hash.sha1",
    "file.hash.sha256": "file.hash.sha256",
    "file.hash.sha512": "file.hash.sha512",
    "process.name": "process.name",
    "process.command_line": "process.command_line",
    "user.name": "user.name",
    "registry.key": "registry.path",
    "src_port": "source.port",
    "dst_port": "destination.port",
    "tls.cert.sha1": "tls.server.hash.sha1",
}
CIM_FIELDS: dict[str, str | list[str]] = {
    "ipv4": ["src_ip", "dest_ip"],
    "ipv6": ["src_ip", "dest_ip"],
    "domain": ["query", "url_domain", "ssl_subject_common_name"],
    "url": "url",
    "email": ["src_user", "recipient"],
    "file.name": "file_name",
    "file.hash.md5": "file_hash",
    "file.hash.sha1": "file_hash",
    "file.hash.sha256": "file_hash",
    "file.hash.sha512": "file_hash",
    "process.name": "process_name",
    "process.command_line": "process",
    "user.name": "user",
    "registry.key": "registry_path",
    "src_port": "src_port",
    "dst_port": "dest_port",
    "tls.cert.sha1": "ssl_hash",
}


def pipeline(fields: dict[str, str | list[str]], name: str) -> ProcessingPipeline:
    """A pySigma pipeline renaming stixhub's fields for one SIEM."""
    mapping: dict[str | None, str | list[str]] = dict(fields.items())
    return ProcessingPipeline(
        name=name,
        priority=20,
        items=[
            ProcessingItem(
                identifier=f"stixhub_{name}_fields",
                transformation=FieldMappingTransformation(mapping),
            )
        ],
    )


def _rules(
    selection: Selection, skipped: Counter[str], *, cased: bool
) -> list[tuple[Selected, SigmaRule]]:
    out: list[tuple[Selected, SigmaRule]] = []
    for selected in selection.indicators:
        if not selection.types_cover(selected):
            skipped[UNSELECTED_TYPE] += 1
            continue
        try:
            rule = build_rule(
                selected,
                cased=cased,
                min_prefix4=selection.min_prefix4,
                min_prefix6=selection.min_prefix6,
            )
        except NetworkRefused as refused:  # counted as the list formats count it
            skipped[str(refused)] += 1
        except SigmaSkip as skip:
            skipped[f"no Sigma form: {skip}"] += 1
        else:
            out.append((selected, rule))
    return out


def export_sigma(selection: Selection, options: ExportOptions) -> ExportOutput:
    """One YAML stream of Sigma rules, one document per indicator."""
    del options
    skipped: Counter[str] = Counter(selection.skipped)
    rules = _rules(selection, skipped, cased=True)
    documents = [
        rule_document(
            selected, min_prefix4=selection.min_prefix4, min_prefix6=selection.min_prefix6
        )
        for selected, _ in rules
    ]
    text = yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False)
    return ExportOutput({"stixhub-sigma.yml": text.encode()}, len(rules), skipped)


def _single_wildcard(rule: SigmaRule) -> bool:
    for detection in rule.detection.detections.values():
        for item in detection.detection_items:
            for value in getattr(item, "value", []):
                if isinstance(value, SigmaString) and SpecialChars.WILDCARD_SINGLE in value.s:
                    return True
    return False


def _convert(
    selection: Selection,
    backend: Callable[[], TextQueryBackend],
    name: str,
    refuse: Callable[[SigmaRule], str | None],
) -> ExportOutput:
    skipped: Counter[str] = Counter(selection.skipped)
    lines: list[bytes] = []
    for selected, rule in _rules(selection, skipped, cased=False):
        refusal = refuse(rule)
        if refusal is not None:
            skipped[refusal] += 1
            continue
        try:
            queries = backend().convert_rule(rule)
        except (SigmaError, NotImplementedError) as exc:
            skipped[f"{name} backend refused the rule: {str(exc).splitlines()[0]}"] += 1
            continue
        for query in queries:
            record = {"id": selected.id, "title": selected.name, "query": str(query)}
            lines.append(orjson.dumps(record) + b"\n")
    return ExportOutput({f"stixhub-{name}.ndjson": b"".join(lines)}, len(lines), skipped)


def export_splunk(selection: Selection, options: ExportOptions) -> ExportOutput:
    """Splunk SPL searches over CIM field names, one JSON line per indicator."""
    del options

    def refuse(rule: SigmaRule) -> str | None:
        if _single_wildcard(rule):
            return "no Splunk form: LIKE '_' (SPL has no single-character wildcard)"
        return None

    return _convert(
        selection, lambda: SplunkBackend(pipeline(CIM_FIELDS, "splunk_cim")), "splunk", refuse
    )


def export_elastic(selection: Selection, options: ExportOptions) -> ExportOutput:
    """Elasticsearch Lucene queries over ECS field names, one JSON line per indicator."""
    del options
    return _convert(
        selection, lambda: LuceneBackend(pipeline(ECS_FIELDS, "ecs")), "elastic", lambda _: None
    )
