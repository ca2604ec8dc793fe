"""What a validation produces: findings, grouped per object into a report.

A finding is data, not an exception: the server puts findings into a TAXII status resource,
the CLI prints them, and neither may lose the ones that follow the first.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["ERROR", "WARNING", "Finding", "ObjectReport", "Report", "Severity", "member"]

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule.

    ``code`` is stable across releases (callers and collection policies match on it);
    ``severity`` is "error" for a MUST of STIX 2.1 and "warning" for a SHOULD or for custom
    content; ``path`` is the JSON path of the offending value, always from ``$``:
    ``$.modified`` for a lone object, ``$.objects[3].modified`` inside a bundle or envelope,
    ``$[3].modified`` for the third object of JSON lines, and ``$.hashes['SHA-256']`` for a
    key that is not an identifier (see ``member``).
    """

    code: str
    severity: Severity
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form used by ``stixhub validate --json`` and by TAXII status details."""
        return {
            "code": self.code,
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
        }


@dataclass(slots=True)
class ObjectReport:
    """The findings about one object of a document (or about the bundle itself).

    ``id`` and ``type`` are None when the object does not carry a readable one; ``index`` is
    its position in the document's ``objects`` list, None for the bundle or a lone object.
    ``line`` is the line number of a bundle that is one line of JSON lines (whose findings'
    paths start at that line's ``$``), else None.
    """

    id: str | None
    type: str | None
    index: int | None
    findings: list[Finding] = field(default_factory=list)
    line: int | None = None

    @property
    def valid(self) -> bool:
        """True when no MUST rule is broken; warnings do not make an object invalid."""
        return not any(f.severity == ERROR for f in self.findings)

    def as_dict(self) -> dict[str, object]:
        """``{"id", "type", "findings"}``, and ``"line"`` for a bundle line of JSON lines."""
        result: dict[str, object] = {"id": self.id, "type": self.type}
        if self.line is not None:
            result["line"] = self.line
        result["findings"] = [f.as_dict() for f in self.findings]
        return result


@dataclass(slots=True)
class Report:
    """The result for one document: one entry per object, in document order.

    For a bundle the first entry is the bundle itself, so findings about the bundle's own
    properties and about conflicts between its objects have a place to live.
    """

    objects: list[ObjectReport] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when no object of the document breaks a MUST rule."""
        return all(o.valid for o in self.objects)

    @property
    def findings(self) -> list[Finding]:
        """Every finding of the document, in order."""
        return [f for o in self.objects for f in o.findings]

    def as_dict(self) -> dict[str, object]:
        """The JSON form: ``{"valid": bool, "objects": [{"id", "type", "findings"}]}``."""
        return {"valid": self.valid, "objects": [o.as_dict() for o in self.objects]}


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def member(path: str, key: str) -> str:
    """The JSON path of ``key`` inside the object at ``path``: ``$.name`` for an identifier,
    ``$.hashes['SHA-256']`` (quotes and backslashes escaped) for any other key."""
    if _IDENTIFIER.fullmatch(key) is not None:
        return f"{path}.{key}"
    quoted = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{quoted}']"
