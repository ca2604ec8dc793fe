"""Errors of the STIX patterning engine.

- ``PatternError`` (a :class:`stixhub.stix.StixError`): base of every error raised here.
    - ``PatternSyntaxError``: the text is not a pattern of the STIX 2.1 grammar.
    - ``PatternLimitError``: the pattern or its input is larger or deeper than the engine allows.
    - ``UnsupportedRegex``: a MATCHES expression uses a construct the safe engine refuses.
"""

from stixhub.stix._errors import StixError

__all__ = ["PatternError", "PatternLimitError", "PatternSyntaxError", "UnsupportedRegex"]


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
    """Raised when a MATCHES regular expression cannot run in linear time or does not compile."""
