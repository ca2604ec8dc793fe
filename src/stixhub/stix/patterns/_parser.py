"""Tokenizer and recursive-descent parser for the STIX 2.1 patterning grammar (section 9).

The grammar is the one of OASIS ``STIXPattern.g4`` (STIX 2.1): keywords are upper case and
case-sensitive, ``true``/``false`` lower case; white space and ``/* */`` or ``//`` comments
separate tokens. A hand-written parser is used instead of a generated one because it is many
times faster, gives one precise column per error, and needs no runtime dependency.

String constants follow section 9.3: the only escapes are ``\\'`` and ``\\\\``; any other
backslash is an error (this is what makes ``'C:\\Windows'`` invalid, case B23).
"""

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Literal

from stixhub.stix.patterns._ast import (
    KEYWORDS,
    BoolExpression,
    Comparison,
    ComparisonExpression,
    Constant,
    IndexStep,
    KeyStep,
    ObjectPath,
    Observation,
    ObservationExpression,
    ObservationOperator,
    Pattern,
    Qualified,
    Qualifier,
    Repeats,
    SetConstant,
    StartStop,
    Within,
)
from stixhub.stix.patterns._errors import PatternLimitError, PatternSyntaxError

__all__ = ["MAX_DEPTH", "MAX_PATTERN_LENGTH", "parse_pattern"]

# A pattern from a feed is untrusted: bound its size and nesting so that neither the parser's
# recursion nor the matcher's work can be driven without limit.
MAX_PATTERN_LENGTH = 1_000_000
MAX_DEPTH = 100

_SKIP = re.compile(r"(?:[ \t\r\n\x0b\x0c]+|/\*.*?\*/|//[^\r\n]*)+", re.S)
_NUMBER = re.compile(r"[+-]?(?:[0-9]*\.[0-9]+|0|[1-9][0-9]*)")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[012])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?Z"
)
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")
_BASE64 = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)"
)
_OPERATORS = ("<=", ">=", "!=", "<>", "==", "=", "<", ">")
# The grammar accepts two spellings of equality and of inequality; the tree keeps one.
_OPERATOR_ALIASES = {"<>": "!=", "==": "="}
TokenKind = Literal[
    "LBRACK", "RBRACK", "LPAREN", "RPAREN", "COLON", "DOT", "COMMA", "STAR", "OP", "KEYWORD",
    "IDENT", "CONST", "EOF",
]  # fmt: skip
_PUNCT: dict[str, TokenKind] = {
    "[": "LBRACK", "]": "RBRACK", "(": "LPAREN", ")": "RPAREN", ":": "COLON", ".": "DOT",
    ",": "COMMA", "*": "STAR",
}  # fmt: skip


@dataclass(slots=True)
class _Token:
    kind: TokenKind
    text: str
    pos: int
    end: int
    constant: Constant | None = None


def _syntax(message: str, pos: int) -> PatternSyntaxError:
    return PatternSyntaxError(message, pos + 1)


def _read_quoted(text: str, start: int, *, escapes: bool) -> tuple[str, int]:
    """Read from the apostrophe at ``start``; return the decoded body and the end offset."""
    out: list[str] = []
    i = start + 1
    n = len(text)
    while True:
        j = i
        while j < n and text[j] not in "'\\":
            j += 1
        out.append(text[i:j])
        if j >= n:
            raise _syntax("string constant is not closed with an apostrophe", start)
        if text[j] == "'":
            return "".join(out), j + 1
        if not escapes:
            raise _syntax("a backslash is not allowed in this literal", j)
        nxt = text[j + 1] if j + 1 < n else ""
        if nxt not in ("'", "\\"):
            raise _syntax(
                "invalid escape in string constant: a backslash may only precede "
                "an apostrophe or another backslash (write \\\\ for one backslash)",
                j,
            )
        out.append(nxt)
        i = j + 2


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while True:
        m = _SKIP.match(text, i)
        if m:
            i = m.end()
        if i >= n:
            break
        token = _scan(text, i)
        tokens.append(token)
        i = token.end
    tokens.append(_Token("EOF", "", n, n))
    return tokens


def _scan(text: str, i: int) -> _Token:
    """Read the one token that starts at offset ``i`` (white space already skipped)."""
    c = text[i]
    if c == "'":
        value, end = _read_quoted(text, i, escapes=True)
        raw = text[i:end]
        return _Token("CONST", raw, i, end, Constant("string", value, raw, i, end))
    if c in "thb" and text.startswith("'", i + 1):
        body, end = _read_quoted(text, i + 1, escapes=False)
        raw = text[i:end]
        return _Token("CONST", raw, i, end, _prefixed_constant(c, body, raw, i, end))
    if c.isascii() and (c.isalpha() or c == "_"):
        return _word(text, i)
    if c.isdigit() or c in "+-.":
        m = _NUMBER.match(text, i)
        if m:
            word = m.group()
            number: Constant
            if "." in word:
                number = Constant("float", float(word), word, i, m.end())
            else:
                number = Constant("int", int(word), word, i, m.end())
            return _Token("CONST", word, i, m.end(), number)
    for op in _OPERATORS:
        if text.startswith(op, i):
            return _Token("OP", _OPERATOR_ALIASES.get(op, op), i, i + len(op))
    kind = _PUNCT.get(c)
    if kind is None:
        raise _syntax(f"unexpected character {c!r}", i)
    return _Token(kind, c, i, i + 1)


def _word(text: str, i: int) -> _Token:
    m = _IDENT.match(text, i)
    assert m is not None
    word = m.group()
    end = m.end()
    if word in ("true", "false"):
        return _Token("CONST", word, i, end, Constant("bool", word == "true", word, i, end))
    if word in KEYWORDS:
        return _Token("KEYWORD", word, i, end)
    return _Token("IDENT", word, i, end)


def _prefixed_constant(prefix: str, body: str, raw: str, pos: int, end: int) -> Constant:
    if prefix == "t":
        if not _TIMESTAMP.fullmatch(body):
            raise _syntax(
                f"timestamp literal must be t'YYYY-MM-DDTHH:MM:SS[.s]Z' in UTC, got {raw}", pos
            )
        return Constant("timestamp", body, raw, pos, end)
    if prefix == "h":
        if not _HEX.fullmatch(body):
            raise _syntax("hex literal must hold an even number of hex digits", pos)
        return Constant("hex", bytes.fromhex(body), raw, pos, end)
    if not _BASE64.fullmatch(body):
        raise _syntax("binary literal must be padded base64 with at least one byte", pos)
    try:
        data = base64.b64decode(body, validate=True)
    except binascii.Error:
        raise _syntax("binary literal is not valid base64", pos) from None
    return Constant("binary", data, raw, pos, end)


_COMPARISON_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_STRING_OPS = frozenset({"LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"})


class _Parser:
    __slots__ = ("depth", "i", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_keyword(self, word: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "KEYWORD" and tok.text == word

    def expect(self, kind: TokenKind, what: str) -> _Token:
        tok = self.tokens[self.i]
        if tok.kind != kind:
            raise self.unexpected(what)
        self.i += 1
        return tok

    def expect_keyword(self, word: str) -> _Token:
        if not self.at_keyword(word):
            raise self.unexpected(word)
        return self.next()

    def unexpected(self, expected: str) -> PatternSyntaxError:
        tok = self.peek()
        found = "end of pattern" if tok.kind == "EOF" else repr(tok.text)
        return _syntax(f"expected {expected}, found {found}", tok.pos)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise PatternLimitError(f"pattern nests deeper than {MAX_DEPTH} levels", pos + 1)

    # -- observation layer -----------------------------------------------------------------
    def pattern(self) -> Pattern:
        root = self.observation_expressions()
        if self.peek().kind != "EOF":
            raise self.unexpected("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern")
        return Pattern(root, self.text)

    def observation_expressions(self) -> ObservationExpression:
        return self._obs_chain("FOLLOWEDBY")

    def _obs_operand(self, op: str) -> ObservationExpression:
        if op == "FOLLOWEDBY":
            return self._obs_chain("OR")
        if op == "OR":
            return self._obs_chain("AND")
        return self.observation_expression()

    def _obs_chain(self, op: Literal["AND", "OR", "FOLLOWEDBY"]) -> ObservationExpression:
        first = self._obs_operand(op)
        operands = [first]
        while self.at_keyword(op):
            self.next()
            operands.append(self._obs_operand(op))
        if len(operands) == 1:
            return first
        flat: list[ObservationExpression] = []
        for operand in operands:
            if isinstance(operand, ObservationOperator) and operand.op == op:
                flat.extend(operand.operands)
            else:
                flat.append(operand)
        return ObservationOperator(op, tuple(flat), first.pos, operands[-1].end)

    def observation_expression(self) -> ObservationExpression:
        tok = self.peek()
        self.enter(tok.pos)
        expr: ObservationExpression
        if tok.kind == "LBRACK":
            self.next()
            inner = self.comparison_or()
            close = self.expect("RBRACK", "']' or AND/OR")
            expr = Observation(inner, tok.pos, close.end)
        elif tok.kind == "LPAREN":
            self.next()
            inner_obs = self.observation_expressions()
            close = self.expect("RPAREN", "')'")
            expr = inner_obs
        else:
            raise self.unexpected("'[' or '('")
        # Whether the expression was written in parentheses matters to the checker (a
        # repeated qualifier is refused only on a bare observation), so the tree keeps it.
        grouped = tok.kind == "LPAREN"
        while True:
            qualifier = self.qualifier()
            if qualifier is None:
                break
            expr = Qualified(expr, qualifier, grouped, expr.pos, self.tokens[self.i - 1].end)
            grouped = False
        self.depth -= 1
        return expr

    def qualifier(self) -> Qualifier | None:
        tok = self.peek()
        if tok.kind != "KEYWORD":
            return None
        if tok.text == "WITHIN":
            self.next()
            value = self.next()
            if (
                value.constant is None
                or value.constant.kind not in ("int", "float")
                or value.text.startswith("-")
            ):
                self.i -= 1
                raise self.unexpected("a positive number of seconds")
            self.expect_keyword("SECONDS")
            return Within(value.constant, tok.pos)
        if tok.text == "REPEATS":
            self.next()
            value = self.next()
            if value.constant is None or value.constant.kind != "int" or value.text.startswith("-"):
                self.i -= 1
                raise self.unexpected("a positive whole number")
            self.expect_keyword("TIMES")
            return Repeats(value.constant, tok.pos)
        if tok.text == "START":
            self.next()
            start = self.timestamp()
            self.expect_keyword("STOP")
            stop = self.timestamp()
            return StartStop(start, stop, tok.pos)
        return None

    def timestamp(self) -> Constant:
        tok = self.next()
        if tok.constant is None or tok.constant.kind != "timestamp":
            self.i -= 1
            raise self.unexpected("a timestamp literal t'YYYY-MM-DDTHH:MM:SSZ'")
        return tok.constant

    # -- comparison layer ------------------------------------------------------------------
    def comparison_or(self) -> ComparisonExpression:
        return self._cmp_chain("OR")

    def _cmp_chain(self, op: Literal["AND", "OR"]) -> ComparisonExpression:
        first = self._cmp_chain("AND") if op == "OR" else self.prop_test()
        operands = [first]
        while self.at_keyword(op):
            self.next()
            operands.append(self._cmp_chain("AND") if op == "OR" else self.prop_test())
        if len(operands) == 1:
            return first
        flat: list[ComparisonExpression] = []
        for operand in operands:
            if isinstance(operand, BoolExpression) and operand.op == op:
                flat.extend(operand.operands)
            else:
                flat.append(operand)
        return BoolExpression(op, tuple(flat), first.pos, operands[-1].end)

    def prop_test(self) -> ComparisonExpression:
        tok = self.peek()
        if tok.kind == "LPAREN":
            self.enter(tok.pos)
            self.next()
            inner = self.comparison_or()
            self.expect("RPAREN", "')' or AND/OR")
            self.depth -= 1
            return inner
        negated = False
        if self.at_keyword("NOT"):
            self.next()
            if not self.at_keyword("EXISTS"):
                raise self.unexpected("EXISTS")
            negated = True
        if self.at_keyword("EXISTS"):
            self.next()
            path = self.object_path()
            return Comparison(path, "EXISTS", None, negated, tok.pos, path.end)
        path = self.object_path()
        if self.at_keyword("NOT"):
            self.next()
            negated = True
        op_tok = self.next()
        if op_tok.kind == "OP":
            op = op_tok.text
            value_tok = self.next()
            const = value_tok.constant
            if const is None or (op not in ("=", "!=") and const.kind == "bool"):
                self.i -= 1
                wanted = (
                    "a constant" if op in ("=", "!=") else "an orderable constant (not a boolean)"
                )
                raise self.unexpected(wanted)
            return Comparison(path, op, const, negated, tok.pos, value_tok.end)
        if op_tok.kind == "KEYWORD" and op_tok.text == "IN":
            values = self.set_constant()
            return Comparison(path, "IN", values, negated, tok.pos, values.end)
        if op_tok.kind == "KEYWORD" and op_tok.text in _STRING_OPS:
            value_tok = self.next()
            if value_tok.constant is None or value_tok.constant.kind != "string":
                self.i -= 1
                raise self.unexpected(f"a string constant after {op_tok.text}")
            return Comparison(
                path, op_tok.text, value_tok.constant, negated, tok.pos, value_tok.end
            )
        self.i -= 1
        raise self.unexpected("a comparison operator")

    def set_constant(self) -> SetConstant:
        open_tok = self.expect("LPAREN", "'(' to start the IN list")
        items: list[Constant] = []
        if self.peek().kind != "RPAREN":
            while True:
                tok = self.next()
                if tok.constant is None:
                    self.i -= 1
                    raise self.unexpected("a constant in the IN list")
                items.append(tok.constant)
                if self.peek().kind != "COMMA":
                    break
                self.next()
        close = self.expect("RPAREN", "',' or ')' in the IN list")
        return SetConstant(tuple(items), open_tok.pos, close.end)

    def object_path(self) -> ObjectPath:
        type_tok = self.next()
        if type_tok.kind != "IDENT":
            self.i -= 1
            raise self.unexpected("an object path (type:property)")
        self.expect("COLON", "':' after the object type")
        steps: list[KeyStep | IndexStep] = [self.key_step("a property name")]
        while True:
            tok = self.peek()
            if tok.kind == "DOT":
                self.next()
                steps.append(self.key_step("a property name after '.'"))
            elif tok.kind == "LBRACK":
                self.next()
                idx = self.next()
                if idx.kind == "STAR":
                    steps.append(IndexStep(None, tok.pos))
                elif idx.constant is not None and idx.constant.kind == "int":
                    assert isinstance(idx.constant.value, int)
                    steps.append(IndexStep(idx.constant.value, tok.pos))
                else:
                    self.i -= 1
                    raise self.unexpected("a list index or '*'")
                self.expect("RBRACK", "']' after the list index")
            else:
                break
        return ObjectPath(type_tok.text, tuple(steps), type_tok.pos, self.tokens[self.i - 1].end)

    def key_step(self, what: str) -> KeyStep:
        tok = self.next()
        if tok.kind == "IDENT" and "-" not in tok.text:
            return KeyStep(tok.text, tok.pos)
        if tok.kind == "CONST" and tok.constant is not None and tok.constant.kind == "string":
            assert isinstance(tok.constant.value, str)
            return KeyStep(tok.constant.value, tok.pos)
        self.i -= 1
        if tok.kind == "IDENT":
            raise _syntax(
                f"property name {tok.text!r} contains '-': quote it as '{tok.text}'", tok.pos
            )
        raise self.unexpected(what)


def parse_pattern(text: str) -> Pattern:
    """Parse a STIX 2.1 pattern into its syntax tree; raise ``PatternSyntaxError`` if invalid."""
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternLimitError(f"pattern is longer than {MAX_PATTERN_LENGTH} characters", 1)
    if not text.strip():
        raise PatternSyntaxError("pattern is empty", 1)
    return _Parser(text).pattern()
