"""Tokenizer and recursive-descent parser for the STIX 2.1 patterning grammar (section 9).

The grammar is the one of OASIS ``STIXPattern.g4`` (STIX 2.1): keywords are upper case and
case-sensitive, ``true``/``false`` lower case; white space and ``/* */`` or ``//`` comments
separate tokens. White space is the grammar's ``WS`` rule, which names Unicode spaces too:
U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F
and U+3000 (not every character Python's ``str.isspace`` accepts: U+001C-001F are not).
A hand-written parser is used instead of a generated one because it is many times faster,
gives one precise column per error, and needs no runtime dependency. Patterns of the most
common shape, one comparison with a string (``[ipv4-addr:value = '198.51.100.1']``), are read
by one regular expression without the token list (``_SIMPLE``); the tree is the same.

String constants follow section 9.3: the only escapes are ``\\'`` and ``\\\\``; any other
backslash is an error (this is what makes ``'C:\\Windows'`` invalid, case B23).
"""

import base64
import binascii
import re
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

# The ``WS`` rule of STIXPattern.g4, character for character.
_WS = r"[ \t\r\n\x0b\x0c\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_SKIP = re.compile(rf"(?:{_WS}+|/\*.*?\*/|//[^\r\n]*)+", re.S)
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
    "IDENT", "CONST", "EOF", "PATH",
]  # fmt: skip
_PUNCT: dict[str, TokenKind] = {
    "[": "LBRACK", "]": "RBRACK", "(": "LPAREN", ")": "RPAREN", ":": "COLON", ".": "DOT",
    ",": "COMMA", "*": "STAR",
}  # fmt: skip


# ``type:property`` written without spaces is one PATH token (text: the type), because it
# starts nearly every comparison; the parser splits it where it needs the three tokens.
# A node while a flat run of operands is turned into a tree.
_Node = ObservationExpression | ComparisonExpression
# One token as a tuple, cheaper to build than an object: (kind, text, pos, end, constant).
_Token = tuple[TokenKind, str, int, int, Constant | None]

# The whole lexer as one regular expression: each match is the white space and comments
# before a token, then the token, in one group per token class tried in the order the grammar
# resolves ambiguities (punctuation first because it is the most frequent: ``.`` followed by
# a digit is left to the number). ``findall`` runs it over the whole text in one call; if the
# matches do not cover the text (a bad escape, an unclosed string, a stray character),
# ``_scan`` reads token by token and reports the precise error. The white space is possessive:
# if the token after a comment is bad, the comment must not be stretched to a later ``*/``.
_LEXER = re.compile(
    rf"""({_WS}*+(?:(?:/\*.*?\*/|//[^\r\n]*+){_WS}*+)*+)(?:"""
    r"""(==?|!=|<[=>]?|>=?|[\[\]():,*]|\.(?![0-9]))"""  # operator or punctuation
    r"""|('[^'\\]*+(?:\\['\\][^'\\]*+)*+')"""  # string
    r"""|([thb]'[^'\\]*+')"""  # timestamp, hex or binary
    r"""|((?![thb]')[A-Za-z_][A-Za-z0-9_-]*+:(?![thb]')[A-Za-z_][A-Za-z0-9_]*+(?![\w-]))"""  # path
    r"""|((?![thb]')[A-Za-z_][A-Za-z0-9_-]*+)"""  # identifier, keyword, true/false
    r"""|([+-]?(?:[0-9]*\.[0-9]+|0|[1-9][0-9]*))"""  # number
    r"""|\Z)""",
    re.S,
)


# The shape of most indicators, ``[type:property = 'value']`` (also with one ``.key`` or
# ``.'quoted key'`` step, any operator that takes a string, or IN with a list of strings),
# read by one regular expression without tokens; ``_parse_simple`` builds the tree the
# parser would. Anything
# else (comments, escapes in a quoted key, NOT, other constants, a keyword where a name is
# expected) does not match and takes the general path, which also reports every error.
_STRING = r"'[^'\\]*+(?:\\['\\][^'\\]*+)*+'"
_STRINGS = re.compile(_STRING)
_SIMPLE = re.compile(
    rf"{_WS}*+()\[{_WS}*+"
    r"([A-Za-z_][A-Za-z0-9_-]*+):([A-Za-z_][A-Za-z0-9_]*+)"  # type, property
    r"(?:\.(?:([A-Za-z_][A-Za-z0-9_]*+)|'([^'\\]*+)'))?"  # one key, bare or quoted
    rf"(?:(?:{_WS}*+(==?|!=|<[=>]?|>=?)|{_WS}++(LIKE|MATCHES|ISSUBSET|ISSUPERSET))"
    rf"{_WS}*+({_STRING})"  # the string constant
    rf"|{_WS}++IN{_WS}*+(\((?:{_WS}*+{_STRING}{_WS}*+,)*+{_WS}*+{_STRING}{_WS}*+\)))"
    rf"{_WS}*+\](){_WS}*+\Z"
)


# Operators and punctuation: the token kind and the canonical spelling of each.
_SYMBOLS: dict[str, tuple[TokenKind, str]] = {
    **{op: ("OP", _OPERATOR_ALIASES.get(op, op)) for op in _OPERATORS},
    **{char: (kind, char) for char, kind in _PUNCT.items()},
}
_ESCAPE = re.compile(r"\\(['\\])")


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
    """Split the text into tokens with the one-regex lexer; ``_scan`` handles what it refuses."""
    try:
        tokens = _tokenize_quickly(text)
    except PatternSyntaxError:
        tokens = None  # report the first error in the text, which may come before this one
    if tokens is None:
        return _tokenize_slowly(text)
    return tokens


def _tokenize_quickly(text: str) -> list[_Token] | None:  # noqa: PLR0912  one hot loop
    """All tokens from one ``findall``; None when the matches leave some text unread.

    The branches stay in one function on purpose: the lexer runs once per pattern on
    every indicator a feed delivers, and helper calls per token cost a third of its time.
    """
    tokens: list[_Token] = []
    append = tokens.append
    symbols = _SYMBOLS
    keywords = KEYWORDS
    i = 0
    for space, symbol, string, prefixed, path, word, number in _LEXER.findall(text):
        pos = i + len(space) if space else i
        if symbol:  # the most frequent class first
            end = pos + len(symbol)
            kind, canonical = symbols[symbol]
            append((kind, canonical, pos, end, None))
        elif path:
            end = pos + len(path)
            object_type, _, prop = path.partition(":")
            if object_type in keywords or prop in keywords:
                colon = pos + len(object_type)
                append(_word_token(object_type, pos))
                append(("COLON", ":", colon, colon + 1, None))
                append(_word_token(prop, colon + 1))
            else:
                append(("PATH", object_type, pos, end, None))
        elif word:
            end = pos + len(word)
            if word not in keywords:
                append(("IDENT", word, pos, end, None))
            elif word == "true" or word == "false":  # noqa: PLR1714  faster than a set
                append(("CONST", word, pos, end, Constant("bool", word == "true", word, pos, end)))
            else:
                append(("KEYWORD", word, pos, end, None))
        elif string:
            end = pos + len(string)
            body = string[1:-1]
            value = body if "\\" not in body else _ESCAPE.sub(r"\1", body)
            append(("CONST", string, pos, end, Constant("string", value, string, pos, end)))
        elif number:
            end = pos + len(number)
            const = (
                Constant("float", float(number), number, pos, end)
                if "." in number
                else Constant("int", int(number), number, pos, end)
            )
            append(("CONST", number, pos, end, const))
        elif prefixed:
            end = pos + len(prefixed)
            const = _prefixed_constant(prefixed[0], prefixed[2:-1], prefixed, pos, end)
            append(("CONST", prefixed, pos, end, const))
        else:
            end = pos  # white space up to the end of the text
        i = end
    if i != len(text):
        return None
    append(("EOF", "", i, i, None))
    return tokens


def _split_path(token: _Token, text: str) -> list[_Token]:
    """The three tokens ``type``, ``:``, ``property`` that a PATH token stands for."""
    _, object_type, pos, end, _ = token
    colon = pos + len(object_type)
    return [
        _word_token(object_type, pos),
        ("COLON", ":", colon, colon + 1, None),
        _word_token(text[colon + 1 : end], colon + 1),
    ]


def _word_token(word: str, pos: int) -> _Token:
    """The token of a word already read: a boolean constant, a keyword or an identifier."""
    end = pos + len(word)
    if word in ("true", "false"):
        return ("CONST", word, pos, end, Constant("bool", word == "true", word, pos, end))
    if word in KEYWORDS:
        return ("KEYWORD", word, pos, end, None)
    return ("IDENT", word, pos, end, None)


def _tokenize_slowly(text: str) -> list[_Token]:
    """Token by token with ``_scan``: used only to find and report a lexical error."""
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
        i = token[3]
    tokens.append(("EOF", "", n, n, None))
    return tokens


def _unescape(body: str) -> str:
    """Decode the two escapes of section 9.3 (the lexer has already refused any other)."""
    return _ESCAPE.sub(r"\1", body)


def _scan(text: str, i: int) -> _Token:
    """Read the one token that starts at offset ``i`` (white space already skipped).

    The slow path behind ``_LEXER``: it raises the precise error for text the lexer refuses.
    """
    c = text[i]
    if c == "'":
        value, end = _read_quoted(text, i, escapes=True)
        raw = text[i:end]
        return ("CONST", raw, i, end, Constant("string", value, raw, i, end))
    if c in "thb" and text.startswith("'", i + 1):
        body, end = _read_quoted(text, i + 1, escapes=False)
        raw = text[i:end]
        return ("CONST", raw, i, end, _prefixed_constant(c, body, raw, i, end))
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
            return ("CONST", word, i, m.end(), number)
    for op in _OPERATORS:
        if text.startswith(op, i):
            return ("OP", _OPERATOR_ALIASES.get(op, op), i, i + len(op), None)
    kind = _PUNCT.get(c)
    if kind is None:
        raise _syntax(f"unexpected character {c!r}", i)
    return (kind, c, i, i + 1, None)


def _word(text: str, i: int) -> _Token:
    m = _IDENT.match(text, i)
    assert m is not None
    return _word_token(m.group(), i)


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
    """Recursive descent over the token list; ``i`` is the index of the next token.

    Tokens are tuples (kind, text, pos, end, constant); the hot paths read them with local
    variables because attribute and method look-ups dominate a pure-Python parser.
    """

    __slots__ = ("depth", "i", "strings_in_start_stop", "text", "tokens")

    def __init__(self, text: str, *, strings_in_start_stop: bool = False) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0
        self.strings_in_start_stop = strings_in_start_stop

    # -- token helpers -------------------------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_keyword(self, word: str) -> bool:
        tok = self.tokens[self.i]
        return tok[0] == "KEYWORD" and tok[1] == word

    def expect(self, kind: TokenKind, what: str) -> _Token:
        tok = self.tokens[self.i]
        if tok[0] != kind:
            raise self.unexpected(what)
        self.i += 1
        return tok

    def expect_keyword(self, word: str) -> _Token:
        if not self.at_keyword(word):
            raise self.unexpected(word)
        return self.next()

    def unexpected(self, expected: str) -> PatternSyntaxError:
        tok = self.tokens[self.i]
        found = "end of pattern" if tok[0] == "EOF" else repr(tok[1])
        return _syntax(f"expected {expected}, found {found}", tok[2])

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise PatternLimitError(f"pattern nests deeper than {MAX_DEPTH} levels", pos + 1)

    # -- observation layer -----------------------------------------------------------------
    def pattern(self) -> Pattern:
        root = self.observation_expressions()
        if self.tokens[self.i][0] != "EOF":
            raise self.unexpected("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern")
        return Pattern(root, self.text)

    def observation_expressions(self) -> ObservationExpression:
        """Operands and operators in one flat run; precedence is applied by ``_obs_tree``."""
        first = self.observation_expression()
        tokens = self.tokens
        tok = tokens[self.i]
        if tok[0] != "KEYWORD" or tok[1] not in _LOWER_OBS_OPERATOR:
            return first
        operands: list[_Node] = [first]
        operators: list[str] = []
        while tok[0] == "KEYWORD" and tok[1] in _LOWER_OBS_OPERATOR:
            operators.append(tok[1])
            self.i += 1
            operands.append(self.observation_expression())
            tok = tokens[self.i]
        return _obs_tree(operands, operators, "FOLLOWEDBY")

    def observation_expression(self) -> ObservationExpression:
        tok = self.tokens[self.i]
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise PatternLimitError(f"pattern nests deeper than {MAX_DEPTH} levels", tok[2] + 1)
        expr: ObservationExpression
        kind = tok[0]
        if kind == "LBRACK":
            self.i += 1
            inner = self.comparison_or()
            close = self.expect("RBRACK", "']' or AND/OR")
            expr = Observation(inner, tok[2], close[3])
        elif kind == "LPAREN":
            self.i += 1
            expr = self.observation_expressions()
            self.expect("RPAREN", "')'")
        else:
            raise self.unexpected("'[' or '('")
        # Whether the expression was written in parentheses matters to the checker (a
        # repeated qualifier is refused only on a bare observation), so the tree keeps it.
        grouped = kind == "LPAREN"
        while self.tokens[self.i][0] == "KEYWORD":
            qualifier = self.qualifier()
            if qualifier is None:
                break
            expr = Qualified(expr, qualifier, grouped, expr.pos, self.tokens[self.i - 1][3])
            grouped = False
        self.depth -= 1
        return expr

    def qualifier(self) -> Qualifier | None:
        tok = self.tokens[self.i]
        if tok[1] == "WITHIN":
            self.i += 1
            value = self.next()
            const = value[4]
            if const is None or const.kind not in ("int", "float") or value[1].startswith("-"):
                self.i -= 1
                raise self.unexpected("a positive number of seconds")
            self.expect_keyword("SECONDS")
            return Within(const, tok[2])
        if tok[1] == "REPEATS":
            self.i += 1
            value = self.next()
            const = value[4]
            if const is None or const.kind != "int" or value[1].startswith("-"):
                self.i -= 1
                raise self.unexpected("a positive whole number")
            self.expect_keyword("TIMES")
            return Repeats(const, tok[2])
        if tok[1] == "START":
            self.i += 1
            start = self.timestamp()
            self.expect_keyword("STOP")
            stop = self.timestamp()
            return StartStop(start, stop, tok[2])
        return None

    def timestamp(self) -> Constant:
        """A START/STOP bound: t'...', or in STIX 2.0 also a plain string ('...')."""
        tok = self.next()
        const = tok[4]
        if const is not None and (
            const.kind == "timestamp" or (const.kind == "string" and self.strings_in_start_stop)
        ):
            return const
        self.i -= 1
        if self.strings_in_start_stop:
            raise self.unexpected("a timestamp t'YYYY-MM-DDTHH:MM:SSZ' or a timestamp string")
        raise self.unexpected("a timestamp literal t'YYYY-MM-DDTHH:MM:SSZ'")

    # -- comparison layer ------------------------------------------------------------------
    def comparison_or(self) -> ComparisonExpression:
        """Comparisons and AND/OR in one flat run; precedence is applied by ``_cmp_tree``."""
        first = self.prop_test()
        tokens = self.tokens
        tok = tokens[self.i]
        if tok[0] != "KEYWORD" or (tok[1] != "AND" and tok[1] != "OR"):
            return first
        operands: list[_Node] = [first]
        operators: list[str] = []
        while tok[0] == "KEYWORD" and (tok[1] == "AND" or tok[1] == "OR"):
            operators.append(tok[1])
            self.i += 1
            operands.append(self.prop_test())
            tok = tokens[self.i]
        return _cmp_tree(operands, operators, "OR")

    def prop_test(self) -> ComparisonExpression:
        tokens = self.tokens
        tok = tokens[self.i]
        if tok[0] == "LPAREN":
            self.enter(tok[2])
            self.i += 1
            inner = self.comparison_or()
            self.expect("RPAREN", "')' or AND/OR")
            self.depth -= 1
            return inner
        negated = False
        if tok[0] == "KEYWORD":
            if tok[1] == "NOT":
                self.i += 1
                if not self.at_keyword("EXISTS"):
                    raise self.unexpected("EXISTS")
                negated = True
            if self.at_keyword("EXISTS"):
                self.i += 1
                path = self.object_path()
                return Comparison(path, "EXISTS", None, negated, tok[2], path.end)
        path = self.object_path()
        op_tok = tokens[self.i]
        if op_tok[0] == "KEYWORD" and op_tok[1] == "NOT":
            self.i += 1
            negated = True
            op_tok = tokens[self.i]
        self.i += 1
        kind = op_tok[0]
        if kind == "OP":
            op = op_tok[1]
            value_tok = tokens[self.i]
            self.i += 1
            const = value_tok[4]
            if const is None or (const.kind == "bool" and op != "=" and op != "!="):  # noqa: PLR1714
                self.i -= 1
                wanted = (
                    "a constant" if op in ("=", "!=") else "an orderable constant (not a boolean)"
                )
                raise self.unexpected(wanted)
            return Comparison(path, op, const, negated, tok[2], value_tok[3])
        if kind == "KEYWORD":
            word = op_tok[1]
            if word == "IN":
                values = self.set_constant()
                return Comparison(path, "IN", values, negated, tok[2], values.end)
            if word in _STRING_OPS:
                value_tok = tokens[self.i]
                self.i += 1
                const = value_tok[4]
                if const is None or const.kind != "string":
                    self.i -= 1
                    raise self.unexpected(f"a string constant after {word}")
                return Comparison(path, word, const, negated, tok[2], value_tok[3])
        self.i -= 1
        raise self.unexpected("a comparison operator")

    def set_constant(self) -> SetConstant:
        open_tok = self.expect("LPAREN", "'(' to start the IN list")
        tokens = self.tokens
        items: list[Constant] = []
        if tokens[self.i][0] != "RPAREN":
            while True:
                tok = tokens[self.i]
                const = tok[4]
                if const is None:
                    raise self.unexpected("a constant in the IN list")
                self.i += 1
                items.append(const)
                if tokens[self.i][0] != "COMMA":
                    break
                self.i += 1
        close = self.expect("RPAREN", "',' or ')' in the IN list")
        return SetConstant(tuple(items), open_tok[2], close[3])

    def object_path(self) -> ObjectPath:
        tokens = self.tokens
        type_tok = tokens[self.i]
        steps: list[KeyStep | IndexStep]
        if type_tok[0] == "PATH":
            prop_pos = type_tok[2] + len(type_tok[1]) + 1
            steps = [KeyStep(self.text[prop_pos : type_tok[3]], prop_pos)]
            self.i += 1
            return self.path_steps(type_tok, steps)
        if type_tok[0] != "IDENT":
            raise self.unexpected("an object path (type:property)")
        i = self.i + 1
        prop = tokens[i + 1] if i + 1 < len(tokens) else tokens[i]
        if tokens[i][0] == "COLON" and prop[0] == "IDENT" and "-" not in prop[1]:
            # type:name, the usual start of a path, without the helper calls
            self.i = i + 2
            steps = [KeyStep(prop[1], prop[2])]
        else:
            self.i = i
            self.expect("COLON", "':' after the object type")
            steps = [self.key_step("a property name")]
        return self.path_steps(type_tok, steps)

    def path_steps(self, type_tok: _Token, steps: list[KeyStep | IndexStep]) -> ObjectPath:
        """The ``.key`` and ``[index]`` steps after the first property of a path."""
        tokens = self.tokens
        while True:
            tok = tokens[self.i]
            kind = tok[0]
            if kind == "DOT":
                self.i += 1
                steps.append(self.key_step("a property name after '.'"))
            elif kind == "LBRACK":
                self.i += 1
                idx = self.next()
                const = idx[4]
                if idx[0] == "STAR":
                    steps.append(IndexStep(None, tok[2]))
                elif const is not None and const.kind == "int":
                    assert isinstance(const.value, int)
                    steps.append(IndexStep(const.value, tok[2]))
                else:
                    self.i -= 1
                    raise self.unexpected("a list index or '*'")
                self.expect("RBRACK", "']' after the list index")
            else:
                break
        return ObjectPath(type_tok[1], tuple(steps), type_tok[2], tokens[self.i - 1][3])

    def key_step(self, what: str) -> KeyStep:
        tok = self.next()
        kind = tok[0]
        if kind == "PATH":  # ``.b:c``: read it as the tokens b, ':', c, as the grammar does
            self.tokens[self.i - 1 : self.i] = _split_path(tok, self.text)
            tok = self.tokens[self.i - 1]
            kind = tok[0]
        if kind == "IDENT" and "-" not in tok[1]:
            return KeyStep(tok[1], tok[2])
        const = tok[4]
        if kind == "CONST" and const is not None and const.kind == "string":
            assert isinstance(const.value, str)
            return KeyStep(const.value, tok[2])
        self.i -= 1
        if kind == "IDENT":
            raise _syntax(f"property name {tok[1]!r} contains '-': quote it as '{tok[1]}'", tok[2])
        raise self.unexpected(what)


_LOWER_OBS_OPERATOR: dict[str, Literal["AND", "OR"] | None] = {
    "FOLLOWEDBY": "OR",
    "OR": "AND",
    "AND": None,
}


def _split(
    operands: list[_Node], operators: list[str], op: str
) -> list[tuple[list[_Node], list[str]]]:
    """Cut a flat run of operands at every ``op``: the parts bind tighter than ``op``."""
    parts: list[tuple[list[_Node], list[str]]] = [([operands[0]], [])]
    for operator, operand in zip(operators, operands[1:], strict=True):
        if operator == op:
            parts.append(([operand], []))
        else:
            parts[-1][0].append(operand)
            parts[-1][1].append(operator)
    return parts


def _obs_tree(
    operands: list[_Node], operators: list[str], op: Literal["AND", "OR", "FOLLOWEDBY"]
) -> ObservationExpression:
    """Build the n-ary tree of a flat run: FOLLOWEDBY binds loosest, then OR, then AND."""
    lower = _LOWER_OBS_OPERATOR[op]
    parts = _split(operands, operators, op)
    if len(parts) == 1:
        assert lower is not None  # an AND run always splits at its operators
        return _obs_tree(operands, operators, lower)
    flat: list[ObservationExpression] = []
    built: list[ObservationExpression] = []
    for part_operands, part_operators in parts:
        operand = part_operands[0]
        if part_operators:
            assert lower is not None
            operand = _obs_tree(part_operands, part_operators, lower)
        assert isinstance(operand, Observation | ObservationOperator | Qualified)
        built.append(operand)
        if isinstance(operand, ObservationOperator) and operand.op == op:
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return ObservationOperator(op, tuple(flat), built[0].pos, built[-1].end)


def _cmp_tree(
    operands: list[_Node], operators: list[str], op: Literal["AND", "OR"]
) -> ComparisonExpression:
    """Build the n-ary tree of a flat run of comparisons: OR binds looser than AND."""
    parts = _split(operands, operators, op)
    if len(parts) == 1:
        return _cmp_tree(operands, operators, "AND")
    flat: list[ComparisonExpression] = []
    built: list[ComparisonExpression] = []
    for part_operands, part_operators in parts:
        operand = part_operands[0]
        if part_operators:
            operand = _cmp_tree(part_operands, part_operators, "AND")
        assert isinstance(operand, Comparison | BoolExpression)
        built.append(operand)
        if isinstance(operand, BoolExpression) and operand.op == op:
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return BoolExpression(op, tuple(flat), built[0].pos, built[-1].end)


def parse_pattern(text: str, *, stix_version: str = "2.1") -> Pattern:
    """Parse a STIX pattern into its syntax tree; raise ``PatternSyntaxError`` if invalid.

    ``stix_version="2.0"`` also accepts the STIX 2.0 form of the START/STOP qualifier, whose
    bounds are plain strings (``START '2016-06-01T00:00:00Z'``); the grammar of 2.1 requires
    timestamp literals there. Whether such a string is a real timestamp is for the checker.
    """
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternLimitError(f"pattern is longer than {MAX_PATTERN_LENGTH} characters", 1)
    m = _SIMPLE.match(text)
    if m is not None:
        simple = _parse_simple(m, text)
        if simple is not None:
            return simple
    if not text.strip():
        raise PatternSyntaxError("pattern is empty", 1)
    return _Parser(text, strings_in_start_stop=stix_version == "2.0").pattern()


def _parse_simple(m: "re.Match[str]", text: str) -> Pattern | None:
    """The tree of a pattern ``_SIMPLE`` matched, as ``_Parser`` builds it; None for a name
    that is a keyword (the general path then reports it)."""
    object_type, prop, key, quoted_key, op, word, raw, items = m.group(2, 3, 4, 5, 6, 7, 8, 9)
    keywords = KEYWORDS
    if object_type in keywords or prop in keywords or key in keywords:
        return None
    type_pos = m.start(2)
    steps: tuple[KeyStep, ...]
    if key is not None:
        steps = (KeyStep(prop, m.start(3)), KeyStep(key, m.start(4)))
        path_end = m.end(4)
    elif quoted_key is not None:
        steps = (KeyStep(prop, m.start(3)), KeyStep(quoted_key, m.start(5) - 1))
        path_end = m.end(5) + 1
    else:
        steps = (KeyStep(prop, m.start(3)),)
        path_end = m.end(3)
    value: Constant | SetConstant
    if items is None:
        value = _string_constant(raw, m.start(8))
        operator = word or _OPERATOR_ALIASES.get(op, op)
    else:
        start = m.start(9)
        value = SetConstant(
            tuple(_string_constant(s.group(), start + s.start()) for s in _STRINGS.finditer(items)),
            start,
            m.end(9),
        )
        operator = "IN"
    comparison = Comparison(
        ObjectPath(object_type, steps, type_pos, path_end),
        operator,
        value,
        False,
        type_pos,
        value.end,
    )
    return Pattern(Observation(comparison, m.start(1), m.start(10)), text)


def _string_constant(raw: str, pos: int) -> Constant:
    """The constant of a string literal ``raw`` (apostrophes included) read at ``pos``."""
    body = raw[1:-1]
    value = body if "\\" not in body else _ESCAPE.sub(r"\1", body)
    return Constant("string", value, raw, pos, pos + len(raw))
