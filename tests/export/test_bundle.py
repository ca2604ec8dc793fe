"""The stix format: the selected indicators and the marking-definitions they reference."""

import json
from typing import Any

from stixhub.export import ExportOptions, Filters, export
from stixhub.export._bundle import export_stix
from stixhub.stix.markings import marking_id_for_tag
from stixhub.stix.validation import Validator
from tests.export._helpers import CASES, REPORT_TIME, indicator, report, selection_of


def bundle_of(*objects: dict[str, Any]) -> dict[str, Any]:
    """The exported bundle of these objects."""
    out = export_stix(selection_of(*objects), ExportOptions())
    data: dict[str, Any] = json.loads(out.files["stixhub-bundle.json"])
    return data


class TestBundle:
    """A clean, valid bundle."""

    def test_case_b34(self) -> None:
        """Case B34: TLP tags become marking references, and the bundle holds the definitions."""
        case = json.loads((CASES / "B34.json").read_text())
        objs = [
            indicator(
                f"[ipv4-addr:value = '{r['value']}']",
                n,
                object_marking_refs=[marking_id_for_tag(t) for t in r["tags"]],
            )
            for n, r in enumerate(case["input"]["records"])
        ]
        bundle = bundle_of(*objs)
        by_value = {
            o["pattern"].split("'")[1]: o for o in bundle["objects"] if o["type"] == "indicator"
        }
        ext = case["expected"]["bundle_contains_marking_definitions_with_extension"]
        definitions = {o["id"]: o for o in bundle["objects"] if o["type"] == "marking-definition"}
        for value, expected in case["expected"].items():
            if not isinstance(expected, dict):
                continue
            obj = by_value[value]
            assert expected["object_marking_refs_contains"] in obj["object_marking_refs"]
            assert expected["object_marking_refs_contains"] in definitions
            assert expected.get("labels_not_contains") not in obj.get("labels", [])
        assert any(ext in d.get("extensions", {}) for d in definitions.values())
        report_ = Validator().validate_document(bundle)
        assert report_.valid, report_.as_dict()

    def test_source_definitions_and_granular_refs(self) -> None:
        """A statement marking of the source is carried; an unknown reference is counted."""
        statement = {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--0e6c9b6e-5e3b-4b8e-9a3a-6d1f4c2b7a10",
            "created": "2024-01-01T00:00:00.000Z",
            "definition_type": "statement",
            "definition": {"statement": "Copyright 2024"},
        }
        missing = "marking-definition--00000000-0000-4000-8000-000000000000"
        ind = indicator(
            "[domain-name:value = 'x.example']",
            granular_markings=[{"marking_ref": statement["id"], "selectors": ["name"]}],
            object_marking_refs=[missing],
        )
        out = export_stix(selection_of(statement, ind), ExportOptions())
        bundle = json.loads(out.files["stixhub-bundle.json"])
        assert [o["id"] for o in bundle["objects"]] == [statement["id"], ind["id"]]
        assert bundle["objects"][1] == ind
        assert out.skipped == {"marking-definition not in the source": 1}

    def test_reports(self) -> None:
        """The APT1 report's active indicators, with its TLP marking, form a valid bundle."""
        objects = report("apt1")
        out = export("stix", objects, Filters(at=REPORT_TIME))
        bundle = json.loads(out.files["stixhub-bundle.json"])
        types = {o["type"] for o in bundle["objects"]}
        assert types <= {"indicator", "marking-definition"}
        assert out.exported == sum(1 for o in objects if o["type"] == "indicator")
        assert Validator().validate_document(bundle).valid
