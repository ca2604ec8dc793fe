"""Errors of the STIX patterning engine.

- ``PatternError`` (a :class:`stixhub.stix.StixError`): base of every error raised here.
    - ``PatternSyntaxError``: the text is not a pattern of the STIX 2.1 grammar.
    - ``PatternLimitError``: the pattern or its input is larger or deeper than the engine allows.
    - ``UnsupportedRegex``: a MATCHES expression is PCRE the linear-time engine cannot run.
    - ``InvalidRegex``: a MATCHES expression is not a regular expression.
"""

from stixhub.stix._errors import StixError

__all__ = [
    "InvalidRegex",
    "PatternError",
    "PatternLimitError",
    "PatternSyntaxError",
    "UnsupportedRegex",
]


class PatternError(StixError):
    """Base class: raised when a pattern cannot be parsed, checked or evaluated.

    ``column`` is the 1-based position in the pattern text where the problem starts, so a
    caller can put a caret under it; 0 means the problem has no single position.
    """

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class PatternSyntaxError(PatternError):
    """Raised when the text breaks the STIX patterning grammar (STIX 2.1 section 9)."""


class PatternLimitError(PatternError):
    """Raised when a pattern is too long or nests too deeply to be handled safely."""


class UnsupportedRegex(PatternError):
    """Raised when a MATCHES expression is valid PCRE (STIX 2.1 section 9.6.1) that stixhub
    cannot evaluate safely: a back-reference, look-around or another construct RE2 lacks, or
    an expression too large for it.

    The pattern is valid STIX: ``check_pattern`` reports a warning, and the matcher raises
    this error only when a value has to be tested against the expression, so that a caller
    can tell "cannot evaluate" from "no match". ``PatternIndex`` counts such an indicator as
    not matching.
    """


class InvalidRegex(PatternError):
    """Raised when a MATCHES expression is not a regular expression (RE2 refuses it and it
    uses no PCRE construct that RE2 lacks): the pattern is invalid."""
