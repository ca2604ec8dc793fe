"""Sigma rules, Splunk and Elasticsearch queries: their meaning is the pattern's meaning."""

import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sigma.rule import SigmaRule

from stixhub.export import ExportOptions, Filters, export
from stixhub.export._siem import export_elastic, export_sigma, export_splunk
from stixhub.export._sigma import (
    SigmaSkip,
    build_rule,
    like_to_sigma,
    rule_document,
    sigma_literal,
)
from stixhub.stix.patterns import match, parse_pattern
from stixhub.stix.patterns._ast import quote_string
from tests.export._helpers import (
    CASES,
    NOW,
    REPORT_TIME,
    indicator,
    report,
    selection_of,
)
from tests.export._sigma_eval import rule_matches

# Sigma field -> (STIX object type, property setter) for turning an event into observed-data.
TEXT = st.text(alphabet="aA*?\\%_'.", max_size=3)
ADDRESSES = ["10.0.0.1", "10.0.0.2", "10.0.1.7", "192.168.0.1", "2001:db8::1"]
NETWORKS = ["10.0.0.0/24", "10.0.0.0/16", "192.168.0.0/16", "10.0.0.1/32"]
STRING_PATHS = {
    "domain-name:value": "domain",
    "url:value": "url",
    "file:name": "file.name",
    "file:hashes.MD5": "file.hash.md5",
    "process:command_line": "process.command_line",
}


def observed(event: dict[str, Any]) -> dict[str, Any]:
    """The STIX 2.0 observed-data of a flat event: one object per type, fields as properties."""
    objects: dict[str, dict[str, Any]] = {}

    def obj(kind: str) -> dict[str, Any]:
        return objects.setdefault(kind, {"type": kind})

    for field, value in event.items():
        if field == "ipv4":
            obj("ipv4-addr")["value"] = value
        elif field == "domain":
            obj("domain-name")["value"] = value
        elif field == "url":
            obj("url")["value"] = value
        elif field == "file.name":
            obj("file")["name"] = value
        elif field == "file.hash.md5":
            obj("file").setdefault("hashes", {})["MD5"] = value
        elif field == "process.command_line":
            obj("process")["command_line"] = value
    return {
        "type": "observed-data",
        "id": "observed-data--6d7a8e8c-9c3d-4c9d-8d2e-1f2a3b4c5d6e",
        "created": NOW,
        "modified": NOW,
        "first_observed": NOW,
        "last_observed": NOW,
        "number_observed": 1,
        "objects": {str(i): o for i, o in enumerate(objects.values())},
    }


def rule_of(pattern: str, *, cased: bool = True) -> SigmaRule:
    """The Sigma rule of one indicator with this pattern."""
    (selected,) = selection_of(indicator(pattern)).indicators
    return build_rule(selected, cased=cased)


def written_rule(pattern: str) -> SigmaRule:
    """The rule as the sigma format writes it, read back from its YAML."""
    (selected,) = selection_of(indicator(pattern)).indicators
    return SigmaRule.from_yaml(yaml.safe_dump(rule_document(selected), allow_unicode=True))


@st.composite
def comparisons(draw: st.DrawFn) -> tuple[str, list[tuple[str, Any]]]:
    """One comparison's text and the (field, value) pairs an event may take from it."""
    if draw(st.booleans()):
        if draw(st.booleans()):
            net = draw(st.sampled_from(NETWORKS))
            return f"ipv4-addr:value ISSUBSET '{net}'", []
        addr = draw(st.sampled_from(ADDRESSES[:4]))
        return f"ipv4-addr:value = '{addr}'", [("ipv4", addr)]
    path = draw(st.sampled_from(sorted(STRING_PATHS)))
    field = STRING_PATHS[path]
    op = draw(st.sampled_from(["=", "IN", "LIKE"]))
    if op == "IN":
        values = draw(st.lists(TEXT, min_size=1, max_size=3))
        items = ", ".join(quote_string(v) for v in values)
        return f"{path} IN ({items})", [(field, v) for v in values]
    value = draw(TEXT)
    return f"{path} {op} {quote_string(value)}", [(field, value)]


@st.composite
def patterns(draw: st.DrawFn) -> tuple[str, list[tuple[str, Any]]]:
    """A pattern of AND / OR over comparisons, inside one or two observations."""
    observations = []
    hints: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(1, 2))):
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            text, extra = draw(comparisons())
            parts.append(text)
            hints.extend(extra)
        joiner = draw(st.sampled_from([" AND ", " OR "]))
        observations.append("[" + joiner.join(parts) + "]")
    return " OR ".join(observations), hints


@st.composite
def events(draw: st.DrawFn, hints: list[tuple[str, Any]]) -> dict[str, Any]:
    """A flat event, often with values taken from the pattern so that rules can hit."""
    event: dict[str, Any] = {}
    for field in ["ipv4", *STRING_PATHS.values()]:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            continue
        taken = [v for f, v in hints if f == field]
        if choice == 1 and taken:
            value = draw(st.sampled_from(taken))
            if isinstance(value, str) and field != "ipv4" and draw(st.booleans()):
                value = value.swapcase()
            event[field] = value
        elif field == "ipv4":
            event[field] = draw(st.sampled_from(ADDRESSES[:4]))
        else:
            event[field] = draw(TEXT)
    return event


class TestMeaning:
    """For generated patterns and events, the rule selects exactly what the matcher matches."""

    @settings(max_examples=150, deadline=None)
    @given(st.data())
    def test_rule_selects_what_the_matcher_matches(self, data: st.DataObject) -> None:
        """Sigma rule (cased) and stixhub's matcher agree on every generated event."""
        text, hints = data.draw(patterns())
        try:
            rule = written_rule(text)  # what users get
        except SigmaSkip:
            assume(False)
            raise
        tree = parse_pattern(text)
        for _ in range(4):
            event = data.draw(events(hints))
            expected = match(tree, observed(event), stix_version="2.0").matched
            assert rule_matches(rule, event) is expected, (text, event, rule.to_dict())

    def test_rule_survives_yaml(self) -> None:
        """The YAML written for a rule reads back into a rule with the same verdicts."""
        text = (
            "[file:name LIKE 'a_b%' OR file:name = 'x*\\\\y'] OR [ipv4-addr:value = '10.0.0.0/8']"
        )
        rule = rule_of(text)
        again = written_rule(text)
        events = [
            {"file.name": "aXbzz"},
            {"file.name": "x*\\y"},
            {"ipv4": "10.9.9.9"},
            {"ipv4": "11.0.0.1"},
        ]
        assert [rule_matches(rule, e) for e in events] == [True, True, True, False]
        assert [rule_matches(again, e) for e in events] == [True, True, True, False]


class TestTranslation:
    """How single constructs translate."""

    def test_cidr_stays_a_range(self) -> None:
        """= with a CIDR and ISSUBSET both become the cidr modifier, matching any address in it."""
        for text in (
            "[ipv4-addr:value = '198.51.100.0/24']",
            "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
        ):
            rule = rule_of(text)
            assert "ipv4|cidr" in rule.to_dict()["detection"]["sel1"]
            assert rule_matches(rule, {"ipv4": "198.51.100.77"})
            assert not rule_matches(rule, {"ipv4": "198.51.101.1"})
            assert not rule_matches(rule, {"ipv4": "198.51.100.0/24x"})

    def test_like_escaping(self) -> None:
        """% and _ are the only wildcards; a literal * ? \\ stays literal."""
        assert like_to_sigma("%a_b*c?d\\") == "*a?b\\*c\\?d\\\\"
        assert sigma_literal("*?\\x") == "\\*\\?\\\\x"
        rule = rule_of("[process:command_line LIKE '50%_*']")
        assert rule_matches(rule, {"process.command_line": "50 percent x*"})
        assert not rule_matches(rule, {"process.command_line": "50 percent xy"})
        assert not rule_matches(rule, {"process.command_line": "50*"})

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("[url:value != 'x']", "operator !="),
            ("[url:value NOT = 'x']", "negated ="),
            ("[url:value MATCHES 'x']", "operator MATCHES"),
            ("[file:size > 3]", "no Sigma field for file:size"),
            ("[url:value = 'x'] FOLLOWEDBY [url:value = 'y']", "FOLLOWEDBY between observations"),
            ("[url:value = 'x'] AND [url:value = 'y']", "AND between observations"),
            ("[url:value = 'x'] WITHIN 5 SECONDS", "qualifier WITHIN"),
            ("[url:value = 'x' AND file:name = 'y']", "AND across object types"),
            ("[(url:value = 'x' OR file:name = 'y') AND url:value = 'z']", "AND across object"),
            ("[ipv4-addr:value = '10.0.0.1' AND ipv4-addr:value = '1.0.0.2']", "on addresses"),
            ("[ipv4-addr:value IN ('10.0.0.1', '10.0.0.0/8')]", "IN list mixing"),
        ],
    )  # fmt: skip
    def test_skipped_with_reason(self, text: str, reason: str) -> None:
        """What Sigma cannot say faithfully is refused with its reason."""
        with pytest.raises(SigmaSkip, match=re.escape(reason)):
            rule_of(text)

    def test_rule_metadata(self) -> None:
        """The rule id is stable per indicator, references name it, the level follows confidence."""
        ind = indicator("[domain-name:value = 'evil.example']", confidence=85)
        (selected,) = selection_of(ind).indicators
        first, second = build_rule(selected, cased=True), build_rule(selected, cased=True)
        assert first.id == second.id
        assert first.references == [ind["id"]]
        assert first.level is not None
        assert first.level.name == "HIGH"
        assert first.title == "indicator 0"


class TestCaseB33:
    """Case B33: LIKE keeps its exact meaning; no implicit or doubled wildcards."""

    case: dict[str, Any] = json.loads((CASES / "B33.json").read_text())

    @pytest.mark.parametrize("variant", ["no_wildcards", "explicit_wildcards"])
    def test_like(self, variant: str) -> None:
        """The literal is the pattern's, hits and misses hold, and no query has '%%'."""
        expected = self.case["expected"][variant]
        ind = indicator(self.case["input"]["patterns"][variant])
        (selected,) = selection_of(ind).indicators
        assert parse_pattern(ind["pattern"]).root.expression.value.value == expected["like_literal"]  # type: ignore[union-attr]
        for cased in (True, False):
            rule = build_rule(selected, cased=cased)
            for hit in expected.get("hits", []):
                assert rule_matches(rule, {"process.command_line": hit})
            for miss in expected.get("misses", []):
                assert not rule_matches(rule, {"process.command_line": miss})
        for exporter in (export_sigma, export_splunk, export_elastic):
            body = next(iter(exporter(selection_of(ind), ExportOptions()).files.values())).decode()
            assert "%%" not in body
            assert "%" not in body.replace("%whoami%", "") or variant == "no_wildcards"
        spl = json.loads(
            export_splunk(selection_of(ind), ExportOptions()).files["stixhub-splunk.ndjson"]
        )
        if variant == "no_wildcards":
            assert spl["query"] == 'process="cmd.exe /c (whoami)"'
        else:
            assert spl["query"] == 'process="*whoami*"'


class TestBackends:
    """pySigma's Splunk and Lucene backends through stixhub's field mappings."""

    def test_splunk_and_elastic_queries(self) -> None:
        """Fields map to CIM and ECS; a CIDR stays a CIDR query in both."""
        ind = indicator(
            "[ipv4-addr:value = '198.51.100.0/24' OR domain-name:value = 'evil.example']"
        )
        spl = json.loads(
            export_splunk(selection_of(ind), ExportOptions()).files["stixhub-splunk.ndjson"]
        )
        assert spl["id"] == ind["id"]
        assert 'src_ip="198.51.100.0/24"' in spl["query"]
        assert 'dest_ip="198.51.100.0/24"' in spl["query"]
        assert 'query="evil.example"' in spl["query"]
        ecs = json.loads(
            export_elastic(selection_of(ind), ExportOptions()).files["stixhub-elastic.ndjson"]
        )
        assert "source.ip:198.51.100.0\\/24" in ecs["query"]
        assert "destination.ip:198.51.100.0\\/24" in ecs["query"]
        assert "dns.question.name:evil.example" in ecs["query"]

    def test_splunk_refuses_single_character_wildcards(self) -> None:
        """A LIKE '_' has no SPL form and is counted; Elasticsearch keeps it as '?'."""
        ind = indicator("[file:name LIKE 'a_c']")
        out = export_splunk(selection_of(ind), ExportOptions())
        assert out.exported == 0
        assert out.skipped == {"no Splunk form: LIKE '_' (SPL has no single-character wildcard)": 1}
        ecs = json.loads(
            export_elastic(selection_of(ind), ExportOptions()).files["stixhub-elastic.ndjson"]
        )
        assert ecs["query"] == "file.name:a?c"

    def test_quotes_backslashes_unicode(self) -> None:
        """Awkward values reach every SIEM query, and the Sigma rule matches them exactly."""
        value = "C:\\Temp\\\"ü ' *x"
        ind = indicator(f"[file:name = {quote_string(value)}]")
        rule = rule_of(ind["pattern"])
        assert rule_matches(rule, {"file.name": value})
        assert not rule_matches(rule, {"file.name": value.replace("*", "y")})
        for exporter in (export_splunk, export_elastic):
            (line,) = next(
                iter(exporter(selection_of(ind), ExportOptions()).files.values())
            ).splitlines()
            assert json.loads(line)["query"]

    @pytest.mark.parametrize("name", ["apt1", "poisonivy"])
    @pytest.mark.parametrize("fmt", ["sigma", "splunk", "elastic"])
    def test_reports(self, name: str, fmt: str) -> None:
        """Every indicator of the OASIS example reports is exported or skipped with a reason."""
        objects = report(name)
        total = sum(1 for o in objects if o["type"] == "indicator")
        out = export(fmt, objects, Filters(at=REPORT_TIME))
        assert out.exported + sum(out.skipped.values()) == total
        assert out.exported >= total - 2
        body = next(iter(out.files.values())).decode()
        if fmt == "sigma":
            assert body.count("title:") == out.exported
        else:
            assert len(body.splitlines()) == out.exported
