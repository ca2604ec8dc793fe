"""The collector one validation run writes its findings into."""

from stixhub.stix.validation._findings import ERROR, WARNING, Finding

__all__ = ["Context"]


class Context:
    """Findings of one object, and the options that decide their severity.

    Checks never raise on bad input: they describe it here and go on, so one run reports
    every broken rule of an object instead of the first one.
    """

    __slots__ = ("findings", "strict", "toplevel_ok")

    def __init__(self, strict: bool) -> None:
        self.findings: list[Finding] = []
        self.strict = strict
        # Set while checking an object that declares a toplevel-property-extension: its
        # unknown top-level properties belong to that extension, not to custom content.
        self.toplevel_ok = False

    def error(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(code, ERROR, path, message))

    def warn(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(code, WARNING, path, message))

    def custom(self, code: str, path: str, message: str) -> None:
        """Custom content: tolerated by default (STIX 2.1 section 11), refused when strict."""
        self.findings.append(Finding(code, ERROR if self.strict else WARNING, path, message))
