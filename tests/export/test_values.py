"""Awkward values (quotes, backslashes, wildcards, non-ASCII) survive every format."""

import base64
import csv
import io
import json

import pytest
import yaml
from sigma.rule import SigmaRule

from stixhub.export import FORMATS, Filters, export
from stixhub.stix.patterns import decompose
from stixhub.stix.patterns._ast import quote_string
from tests.export._helpers import NOW, indicator
from tests.export._sigma_eval import rule_matches
from tests.export.test_zeek import rows, zeek_read

VALUES = ['joe\'s "x".exe', "C:\\dir\\*?.dll", "ünïcödé-☃.example", "a%b_c", "-", "'\\'"]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_value_survives(fmt: str, value: str) -> None:
    """Each format carries the value so that its reader gets exactly the value back."""
    ind = indicator(f"[file:name = {quote_string(value)}]", name=value)
    dom = indicator(f"[domain-name:value = {quote_string(value)}]", 1)
    out = export(fmt, [ind, dom], Filters(at=NOW))
    assert out.exported >= 1
    files = out.files
    if fmt == "zeek-intel":
        rows(files["stixhub.intel"])
        assert [r["indicator"] for r in zeek_read(files["stixhub.intel"])] == [value, value]
    elif fmt == "csv":
        got = list(csv.reader(io.StringIO(files["stixhub.csv"].decode(), newline="")))
        # a formula-like cell gets a leading quote by default (tests/export/test_lists.py)
        shown = "'" + value if value.startswith(("=", "+", "-", "@")) else value
        assert [r[0] for r in got[1:]] == [shown, shown]
    elif fmt == "plain":
        assert files["file-name.txt"].decode() == value + "\n"
        assert files["domain.txt"].decode() == value + "\n"
    elif fmt == "suricata":
        (name,) = [n for n in files if n.endswith("-domain.lst")]
        assert base64.b64decode(files[name]).decode() == value.lower()
    elif fmt == "sigma":
        docs = list(yaml.safe_load_all(files["stixhub-sigma.yml"].decode()))
        rules = [SigmaRule.from_dict(d) for d in docs]
        assert rule_matches(rules[0], {"file.name": value})
        assert not rule_matches(rules[0], {"file.name": value + "x"})
        assert rule_matches(rules[1], {"domain": value})
    elif fmt in ("splunk", "elastic"):
        lines = [json.loads(line) for line in next(iter(files.values())).splitlines()]
        assert [x["id"] for x in lines] == [ind["id"], dom["id"]]
    else:
        bundle = json.loads(files["stixhub-bundle.json"])
        patterns = [o["pattern"] for o in bundle["objects"]]
        assert [decompose(p).entries[0].value for p in patterns] == [value, value]
