"""Tests of the tokenizer, parser and canonical printer."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stixhub.stix.patterns import (
    BoolExpression,
    Comparison,
    Constant,
    IndexStep,
    KeyStep,
    Observation,
    ObservationOperator,
    PatternLimitError,
    PatternSyntaxError,
    Qualified,
    SetConstant,
    parse_pattern,
)
from stixhub.stix.patterns._parser import (
    _Parser,
    _split_path,
    _tokenize_quickly,
    _tokenize_slowly,
)


def _comparison(text: str) -> Comparison:
    root = parse_pattern(text).root
    assert isinstance(root, Observation)
    assert isinstance(root.expression, Comparison)
    return root.expression


class TestStringConstants:
    def test_escaped_apostrophe_is_decoded(self) -> None:
        """A backslash-apostrophe inside a string constant stands for one apostrophe."""
        value = _comparison(r"[url:value = 'o\'brien']").value
        assert isinstance(value, Constant)
        assert value.value == "o'brien"

    def test_double_backslash_is_one_backslash(self) -> None:
        """Two backslashes in a string constant decode to one backslash."""
        value = _comparison(r"[directory:path = 'C:\\Windows']").value
        assert isinstance(value, Constant)
        assert value.value == "C:\\Windows"

    def test_other_escape_is_rejected_at_its_column(self) -> None:
        """A backslash before any other character is a syntax error pointing at the backslash."""
        with pytest.raises(PatternSyntaxError) as caught:
            parse_pattern(r"[directory:path = 'C:\Windows']")
        assert caught.value.column == 22

    def test_unterminated_string_is_rejected(self) -> None:
        """A string constant without its closing apostrophe is a syntax error."""
        with pytest.raises(PatternSyntaxError, match="not closed"):
            parse_pattern("[url:value = 'abc]")


class TestLiterals:
    def test_binary_hex_timestamp_and_bool_constants_decode(self) -> None:
        """b'', h'', t'' and true decode to bytes, bytes, the timestamp text and a bool."""
        text = "[x:a = b'YWJj' AND x:b = h'00ff' AND x:c = t'2024-01-01T00:00:00Z' AND x:d = true]"
        root = parse_pattern(text).root
        assert isinstance(root, Observation)
        assert isinstance(root.expression, BoolExpression)
        values = [c.value.value for c in root.expression.operands if isinstance(c, Comparison)
                  and isinstance(c.value, Constant)]  # fmt: skip
        assert values == [b"abc", b"\x00\xff", "2024-01-01T00:00:00Z", True]

    @pytest.mark.parametrize(
        "text",
        [
            "[x:a = b'YQ']",
            "[x:a = h'abc']",
            "[x:a = t'2024-13-01T00:00:00Z']",
            "[x:a = 01]",
            "[x:a = TRUE]",
            "[x:a > true]",
            "[x:a LIKE 1]",
            "[x:a.b-c = 1]",
            "[x:a = 1] WITHIN -1 SECONDS",
            "[x:a = 1] REPEATS 1.5 TIMES",
            "[x:a = 1] and [x:b = 2]",
            "[]",
            "",
        ],
    )
    def test_grammar_violations_are_rejected(self, text: str) -> None:
        """Texts outside the STIX 2.1 grammar raise PatternSyntaxError."""
        with pytest.raises(PatternSyntaxError):
            parse_pattern(text)

    def test_path_steps_keep_keys_indexes_and_star(self) -> None:
        """Quoted keys, list indexes and [*] become separate path steps."""
        path = _comparison(
            "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]"
        ).path
        assert path.steps == (
            KeyStep("extensions"),
            KeyStep("windows-pebinary-ext"),
            KeyStep("sections"),
            IndexStep(None),
            KeyStep("entropy"),
        )

    def test_alternative_operator_spellings_are_normalised(self) -> None:
        """'<>' is read as '!=' and '==' as '='."""
        assert _comparison("[x:a <> 1]").op == "!="
        assert _comparison("[x:a == 1]").op == "="


class TestStructure:
    def test_observation_operators_follow_precedence(self) -> None:
        """AND binds tighter than OR, which binds tighter than FOLLOWEDBY."""
        root = parse_pattern("[a:x = 1] FOLLOWEDBY [a:x = 2] OR [a:x = 3] AND [a:x = 4]").root
        assert isinstance(root, ObservationOperator)
        assert root.op == "FOLLOWEDBY"
        second = root.operands[1]
        assert isinstance(second, ObservationOperator)
        assert second.op == "OR"
        assert isinstance(second.operands[1], ObservationOperator)

    def test_qualifiers_stack_on_one_expression(self) -> None:
        """REPEATS and WITHIN after one observation wrap it in two Qualified nodes."""
        root = parse_pattern("[a:x = 1] REPEATS 2 TIMES WITHIN 5 SECONDS").root
        assert isinstance(root, Qualified)
        assert isinstance(root.expression, Qualified)

    def test_positions_point_into_the_source(self) -> None:
        """Each constant records the offset where it starts in the source text."""
        value = _comparison("[file:name = 'a']").value
        assert isinstance(value, Constant)
        assert value.pos == 13

    def test_deep_nesting_is_refused(self) -> None:
        """Nesting beyond the limit raises PatternLimitError instead of exhausting the stack."""
        with pytest.raises(PatternLimitError):
            parse_pattern("(" * 500 + "[a:x = 1]" + ")" * 500)


_PATTERNS = [
    "[file:hashes.'SHA-256' = 'ab' OR file:name = 'x' AND file:size > .5]",
    "([a:b = 1] OR [c:d IN (1, 'a', h'00ff')]) WITHIN 5 SECONDS",
    r"[x:x.y[*].'a b'[0] NOT LIKE 'a\'b'] REPEATS 2 TIMES",
    "[NOT EXISTS x:y] START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'",
    "([a:x = 1] REPEATS 2 TIMES) REPEATS 3 TIMES",
    "[(a:x = 1 OR a:y = 2) AND a:z = b'YWJj']",
]


class TestPrinting:
    @pytest.mark.parametrize("text", _PATTERNS)
    def test_printing_then_parsing_gives_the_same_tree(self, text: str) -> None:
        """The canonical text of a parsed pattern parses back to an equal tree."""
        tree = parse_pattern(text)
        assert parse_pattern(str(tree)) == tree

    def test_canonical_text_normalises_spacing_and_numbers(self) -> None:
        """Canonical printing uses single spaces and a leading zero for floats."""
        assert str(parse_pattern("[a:x>+.5]")) == "[a:x > 0.5]"

    @settings(max_examples=200, deadline=None)
    @given(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
        st.sampled_from(["=", "!=", "LIKE", "MATCHES", "<"]),
        st.booleans(),
    )
    def test_any_string_constant_round_trips(self, value: str, op: str, negated: bool) -> None:
        """Every string value survives printing and re-parsing, whatever characters it holds."""
        comparison = Comparison(
            parse_pattern("[a:x = 1]").root.expression.path,  # type: ignore[union-attr]
            op,
            Constant("string", value),
            negated,
        )
        tree = parse_pattern(f"[{comparison}]")
        assert parse_pattern(str(tree)) == tree
        assert isinstance(tree.root, Observation)
        assert tree.root.expression == comparison


class TestStix20StartStop:
    def test_string_bounds_parse_only_as_stix_20(self) -> None:
        """START '...' STOP '...' parses with stix_version='2.0' and is refused in 2.1."""
        text = "[a:x = 1] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'"
        tree = parse_pattern(text, stix_version="2.0")
        assert isinstance(tree.root, Qualified)
        assert parse_pattern(str(tree), stix_version="2.0") == tree
        with pytest.raises(PatternSyntaxError, match="timestamp literal"):
            parse_pattern(text)

    def test_timestamp_literals_still_parse_as_stix_20(self) -> None:
        """The t'...' form of START/STOP is accepted in 2.0 as well."""
        text = "[a:x = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'"
        assert parse_pattern(text, stix_version="2.0") == parse_pattern(text)


# Characters patterns are made of, and some they must not contain, for the lexer property.
_LEXER_ALPHABET = [
    *"[]():.,*=<>!'\\/ \t\nabtfhTXZ_-+019%\u00a0\u3000\u2028\x1c",
    "AND", "OR", "NOT", "IN", "LIKE", "true", "t'", "h'", "b'", "/*", "*/", "//", "\u00e9",
    "a:b", "x-y:z", "AND:", ":OR",
]  # fmt: skip


class TestLexer:
    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(_LEXER_ALPHABET), max_size=30).map("".join))
    def test_one_regex_lexer_agrees_with_the_token_by_token_one(self, text: str) -> None:
        """The fast lexer gives the slow lexer's tokens, or leaves the text to it for its error."""
        quick: list[Any] | None
        try:
            quick = _tokenize_quickly(text)
        except PatternSyntaxError:
            quick = None
        try:
            slow: list[Any] | str = _tokenize_slowly(text)
        except PatternSyntaxError as exc:
            slow = exc.message
        if quick is not None:
            expanded = [
                t for tok in quick for t in (_split_path(tok, text) if tok[0] == "PATH" else [tok])
            ]
            assert expanded == slow

    def test_first_error_in_the_text_is_reported(self) -> None:
        """A stray character before a malformed literal is the error reported."""
        with pytest.raises(PatternSyntaxError) as caught:
            parse_pattern("[a:x = 1 ? a:y = t'2024-13-01T00:00:00Z']")
        assert caught.value.column == 10

    def test_path_token_splits_where_a_property_is_expected(self) -> None:
        """'x:a.b:c' reports the second colon, as if 'b:c' were three tokens."""
        with pytest.raises(PatternSyntaxError) as caught:
            parse_pattern("[x:a.b:c = 1]")
        assert caught.value.column == 7
        assert str(parse_pattern("[x:a.b = 1 AND y : c = 2]")) == "[x:a.b = 1 AND y:c = 2]"

    def test_comment_is_not_stretched_past_a_bad_token(self) -> None:
        """A bad character after a comment is an error even if a later '*/' could hide it."""
        with pytest.raises(PatternSyntaxError, match="unexpected character"):
            parse_pattern("[a:x = 1] /* c */ \\ /* d */")


# The WS rule of STIXPattern.g4 (STIX 2.1), and characters that look like space but are not in it.
_GRAMMAR_SPACES = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
_NOT_SPACES = "\x1c\x1d\x1e\x1f\u180e\u200b\u2060\ufeff"


class TestUnicodeWhiteSpace:
    @pytest.mark.parametrize("space", list(_GRAMMAR_SPACES))
    def test_every_space_of_the_grammar_separates_tokens(self, space: str) -> None:
        """Each character of the grammar's WS rule may stand between any two tokens."""
        text = (
            f"{space}[{space}file:name{space}={space}'a'{space}AND{space}file:size{space}>"
            f"{space}1]{space}OR{space}[{space}url:value{space}LIKE{space}'x%'{space}]{space}"
        )
        tree = parse_pattern(text)
        assert str(tree) == "[file:name = 'a' AND file:size > 1] OR [url:value LIKE 'x%']"
        assert tree.root.pos == text.index("[")

    @pytest.mark.parametrize("space", list(_GRAMMAR_SPACES))
    def test_the_one_comparison_form_accepts_every_space(self, space: str) -> None:
        """The single-comparison form is read alike with any WS character around its parts."""
        text = f"{space}[{space}file:hashes.MD5{space}={space}'a'{space}]{space}"
        assert repr(parse_pattern(text)) == repr(_Parser(text).pattern())

    @pytest.mark.parametrize("char", list(_NOT_SPACES))
    def test_characters_outside_the_ws_rule_are_refused_at_their_column(self, char: str) -> None:
        """U+001C-001F, U+180E, U+200B, U+2060 and U+FEFF are not white space in the grammar."""
        with pytest.raises(PatternSyntaxError, match="unexpected character") as caught:
            parse_pattern(f"[file:name{char}= 'a']")
        assert caught.value.column == 11

    def test_same_verdict_as_stix2_patterns_for_every_space_like_character(self) -> None:
        """For every character Python calls white space, and a few look-alikes, stixhub and
        stix2-patterns (the OASIS grammar) agree on whether it may separate tokens."""
        from stix2patterns.validator import run_validator  # noqa: PLC0415  test oracle

        chars = [chr(c) for c in range(0x3001) if chr(c).isspace()] + list(_NOT_SPACES)
        for char in chars:
            text = f"[file:name{char}={char}'a']{char}AND{char}[file:size = 1]"
            try:
                parse_pattern(text)
                ours = True
            except PatternSyntaxError:
                ours = False
            assert ours == (run_validator(text, stix_version="2.1") == []), hex(ord(char))

    def test_space_inside_a_string_is_kept(self) -> None:
        """A Unicode space inside a string constant is part of the value, not skipped."""
        assert _comparison("[file:name = 'a\u3000b']").value == Constant("string", "a\u3000b")


# Pieces of single-comparison patterns and of what must fall back to the general parser.
_SIMPLE_ALPHABET = [
    "[", "]", " ", "\u00a0", "\n", "file", "x-y", "url", ":", "name", "value", "hashes", ".",
    "'SHA-256'", "'a\\'b'", "'a\\\\'", "MD5", "SHA-256", "=", "==", "!=", "<>", "<", "<=", ">",
    ">=", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "NOT", "AND", "true", "'x'", "'%.x'", "'",
    "1", "t'", "/* c */", "-", "_", "\u00e9", "IN", "(", ")", ",", " IN ('a', 'b\\'c')", "IN(",
    "('x',", "'y')", "()",
]  # fmt: skip


_VALUES = [
    "'v'", "'a\\'b'", "'c:\\\\'", "1", "'bad\\q'", "t'x'", "('a')", "( 'a' ,'b,)' )", "('a', 1)",
    "()", "('a',)", "( '\\\\' , 'x\\'' )",
]  # fmt: skip


class TestOneComparisonForm:
    @settings(max_examples=500, deadline=None)
    @given(
        st.lists(st.sampled_from(_SIMPLE_ALPHABET), max_size=12).map("".join)
        | st.builds(
            "[{}:{}{}{}{}{}]".format,
            st.sampled_from(["file", "x-y", "AND", "a_b"]),
            st.sampled_from(["name", "hashes.MD5", "hashes.'SHA-256'", "true", "a-b", "x.IN"]),
            st.sampled_from(["", " ", "\u3000", "\t\n"]),
            st.sampled_from(["=", "<>", "LIKE", "ISSUBSET", "NOT LIKE", ">=", "IN", "NOT IN"]),
            st.sampled_from(["", " ", "\u2028"]),
            st.sampled_from(_VALUES),
        )
    )
    def test_fast_form_builds_the_general_parsers_tree(self, text: str) -> None:
        """parse_pattern gives the general parser's tree, positions included, or its error."""
        try:
            expected = repr(_Parser(text).pattern())
        except PatternSyntaxError as exc:
            expected = f"error {exc.message} at {exc.column}"
        try:
            got = repr(parse_pattern(text))
        except PatternSyntaxError as exc:
            got = f"error {exc.message} at {exc.column}"
        if text.strip():
            assert got == expected

    def test_in_list_of_strings_takes_the_fast_form_with_its_positions(self) -> None:
        """An IN list of strings is read like the general parser reads it, offsets included."""
        for text in [
            "[file:hashes.MD5 IN ('aa', 'b\\'b')]",
            "[file:hashes.MD5 IN('aa')]",
            "\u3000[ x-y:z IN ( 'a,)' ,'\\\\' ) ]",
        ]:
            assert repr(parse_pattern(text)) == repr(_Parser(text).pattern())
        comparison = _comparison("[file:hashes.MD5 IN ('aa', 'b\\'b')]")
        assert isinstance(comparison.value, SetConstant)
        assert [(c.value, c.pos, c.end) for c in comparison.value.items] == [
            ("aa", 21, 25),
            ("b'b", 27, 33),
        ]
        assert (comparison.value.pos, comparison.value.end, comparison.end) == (20, 34, 34)

    def test_positions_of_the_fast_form(self) -> None:
        """The one-comparison form records the offsets of every node."""
        root = parse_pattern(" [ file:hashes.'SHA-256' LIKE 'a\\'b' ] ").root
        assert isinstance(root, Observation)
        comparison = root.expression
        assert isinstance(comparison, Comparison)
        assert (root.pos, root.end) == (1, 38)
        assert (comparison.pos, comparison.end) == (3, 36)
        assert (comparison.path.pos, comparison.path.end) == (3, 24)
        assert [step.pos for step in comparison.path.steps] == [8, 15]
        assert comparison.value == Constant("string", "a'b")
