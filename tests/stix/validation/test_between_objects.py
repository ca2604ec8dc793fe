"""Rules between the objects of one document (versions, translations) and the relationship
types of section 5.1, which depend on the types at both ends of a relationship."""

from typing import Any

import orjson
import pytest

from stixhub.stix import parse_json_lines
from stixhub.stix.validation import ValidationOptions, Validator
from stixhub.stix.validation._relationships import SPEC_RELATIONSHIPS

from .conftest import IDENTITY, INDICATOR, IPV4, obj

BUNDLE_ID = "bundle--44af6c39-c09b-49c5-9de2-394224b04982"
OTHER_IDENTITY = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
NEWER = "2024-03-02T10:00:00.000Z"
MALWARE_ID = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
LANGUAGE_CONTENT = {
    "type": "language-content",
    "spec_version": "2.1",
    "id": "language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d",
    "created": "2024-03-05T00:00:00.000Z",
    "modified": "2024-03-05T00:00:00.000Z",
    "object_ref": INDICATOR["id"],
    "object_modified": INDICATOR["modified"],
    "contents": {"de": {"name": "schlechte Domain"}},
}


def _bundle(*objects: Any) -> dict[str, Any]:
    return {"type": "bundle", "id": BUNDLE_ID, "objects": list(objects)}


def _found(validator: Validator, *objects: Any) -> list[tuple[str, str, str]]:
    report = validator.validate_document(_bundle(*objects))
    return [(f.code, f.severity, f.path) for f in report.findings]


def _relationship(source: str, name: str, target: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created": "2024-03-01T00:00:00.000Z",
        "modified": "2024-03-01T00:00:00.000Z",
        "relationship_type": name,
        "source_ref": source,
        "target_ref": target,
    }


def _ref(type_: str) -> str:
    return f"{type_}--9df314c4-db53-4a8f-b81d-6bc76ad25ec9"


class TestVersions:
    def test_versions_keeping_created_and_creator_are_clean(self, validator: Validator) -> None:
        """Two versions of one object with the same created and created_by_ref give no
        finding (STIX 2.1 section 3.6)."""
        first = obj(INDICATOR, created_by_ref=IDENTITY["id"])
        second = obj(first, modified=NEWER, name="renamed")
        assert _found(validator, IDENTITY, first, second) == []

    def test_new_version_changing_created(self, validator: Validator) -> None:
        """A version whose created differs from another version of its id is a
        version-created error at its created, naming both versions (section 3.6)."""
        second = obj(INDICATOR, modified=NEWER, created="2024-03-01T11:00:00.000Z")
        report = validator.validate_document(_bundle(INDICATOR, second))
        [finding] = report.findings
        assert (finding.code, finding.severity, finding.path) == (
            "version-created",
            "error",
            "$.objects[1].created",
        )
        assert NEWER in finding.message
        assert INDICATOR["modified"] in finding.message
        assert "$.objects[0]" in finding.message

    def test_created_compared_as_instants(self, validator: Validator) -> None:
        """created written with another precision but naming the same instant is kept, not
        changed (sections 2.16, 3.6)."""
        second = obj(INDICATOR, modified=NEWER, created="2024-03-01T10:00:00.000000Z")
        assert _found(validator, INDICATOR, second) == []

    def test_new_version_changing_created_by_ref(self, validator: Validator) -> None:
        """A version whose created_by_ref differs from another version's is a
        version-creator error naming both versions (section 3.6: only the creator
        versions an object)."""
        first = obj(INDICATOR, created_by_ref=IDENTITY["id"])
        second = obj(first, modified=NEWER, created_by_ref=OTHER_IDENTITY)
        report = validator.validate_document(_bundle(first, second))
        [finding] = report.findings
        assert (finding.code, finding.path) == ("version-creator", "$.objects[1].created_by_ref")
        assert IDENTITY["id"] in finding.message
        assert OTHER_IDENTITY in finding.message

    def test_creator_added_in_a_later_version(self, validator: Validator) -> None:
        """A created_by_ref that appears only in a later version is a change of creator
        too: version-creator (section 3.6)."""
        second = obj(INDICATOR, modified=NEWER, created_by_ref=IDENTITY["id"])
        assert _found(validator, INDICATOR, second) == [
            ("version-creator", "error", "$.objects[1].created_by_ref")
        ]

    def test_each_later_version_compared_with_the_first(self, validator: Validator) -> None:
        """Every version after the first copy of an id is compared with that copy, in any
        document order (section 3.6)."""
        older = obj(INDICATOR, modified=NEWER)
        bad = obj(INDICATOR, modified="2024-03-03T10:00:00.000Z", created=NEWER)
        assert _found(validator, older, INDICATOR, bad) == [
            ("version-created", "error", "$.objects[2].created")
        ]

    def test_same_version_is_left_to_version_conflict(self, validator: Validator) -> None:
        """Two differing copies of one version are one version-conflict, not also a
        version-created (section 3.6)."""
        copy = obj(INDICATOR, created="2024-03-01T09:00:00.000Z")
        assert _found(validator, INDICATOR, copy) == [("version-conflict", "error", "$.objects[1]")]

    def test_json_lines_versions_compared_across_lines(self, validator: Validator) -> None:
        """In JSON lines the versions of one id on different lines are compared, paths
        $[i] (section 3.6)."""
        second = obj(INDICATOR, modified=NEWER, created_by_ref=IDENTITY["id"])
        report = validator.validate_document([INDICATOR, second])
        assert [(f.code, f.path) for f in report.findings] == [
            ("version-creator", "$[1].created_by_ref")
        ]


class TestLanguageContent:
    def test_translation_of_a_version_in_the_document(self, validator: Validator) -> None:
        """object_modified equal to the modified of the referenced version present in the
        document gives no finding (section 7.1.1)."""
        assert _found(validator, INDICATOR, LANGUAGE_CONTENT) == []

    def test_referenced_object_absent(self, validator: Validator) -> None:
        """When the referenced object is not in the document nothing is compared
        (section 7.1.1)."""
        lc = obj(LANGUAGE_CONTENT, object_modified=NEWER)
        assert _found(validator, IDENTITY, lc) == []

    def test_object_modified_matching_no_version(self, validator: Validator) -> None:
        """object_modified that is the modified of no version of the referenced object
        present in the document is a language-content-version error (section 7.1.1)."""
        lc = obj(LANGUAGE_CONTENT, object_modified=NEWER)
        report = validator.validate_document(_bundle(lc, INDICATOR))
        [finding] = report.findings
        assert (finding.code, finding.severity, finding.path) == (
            "language-content-version",
            "error",
            "$.objects[0].object_modified",
        )
        assert INDICATOR["modified"] in finding.message

    def test_any_version_of_several_matches(self, validator: Validator) -> None:
        """With several versions of the referenced object, matching any one is enough
        (section 7.1.1)."""
        lc = obj(LANGUAGE_CONTENT, object_modified=NEWER)
        second = obj(INDICATOR, modified=NEWER)
        assert _found(validator, INDICATOR, second, lc) == []
        other = obj(lc, object_modified="2024-03-04T00:00:00.000Z")
        assert _found(validator, INDICATOR, second, other) == [
            ("language-content-version", "error", "$.objects[2].object_modified")
        ]

    def test_same_instant_in_another_precision(self, validator: Validator) -> None:
        """object_modified is compared as an instant: more digits of the same time match
        (sections 2.16, 7.1.1)."""
        lc = obj(LANGUAGE_CONTENT, object_modified="2024-03-01T10:00:00.000000Z")
        assert _found(validator, INDICATOR, lc) == []


class TestRelationshipTypes:
    def test_spec_relationship_is_clean(self, validator: Validator) -> None:
        """indicator indicates malware, listed in section 4.7.2, gives no finding."""
        rel = _relationship(INDICATOR["id"], "indicates", MALWARE_ID)
        assert validator.validate_object(rel) == []

    def test_course_of_action_mitigates_attack_pattern(self, validator: Validator) -> None:
        """course-of-action mitigates attack-pattern, listed in section 4.3.2, is clean."""
        rel = _relationship(_ref("course-of-action"), "mitigates", _ref("attack-pattern"))
        assert validator.validate_object(rel) == []

    def test_unlisted_target_is_a_warning(self, validator: Validator) -> None:
        """indicator indicates identity is not listed (section 4.7.2): a relationship-type
        warning at relationship_type, not an error (section 5.1.2 MAY use any string)."""
        rel = _relationship(INDICATOR["id"], "indicates", IDENTITY["id"])
        [finding] = validator.validate_object(rel)
        assert (finding.code, finding.severity, finding.path) == (
            "relationship-type",
            "warning",
            "$.relationship_type",
        )
        assert "indicator indicates identity" in finding.message

    def test_user_defined_name_is_a_warning(self, validator: Validator) -> None:
        """A user-defined relationship type between spec types, such as ATT&CK's
        subtechnique-of, is a relationship-type warning (section 5.1.2 SHOULD)."""
        rel = _relationship(_ref("attack-pattern"), "subtechnique-of", _ref("attack-pattern"))
        assert [(f.code, f.severity) for f in validator.validate_object(rel)] == [
            ("relationship-type", "warning")
        ]

    def test_warning_stays_a_warning_when_strict(self, strict_validator: Validator) -> None:
        """A relationship type the spec does not list is a SHOULD, not custom content: still
        a warning in strict mode (section 5.1.2)."""
        rel = _relationship(_ref("tool"), "uses", _ref("attack-pattern"))
        assert [(f.code, f.severity) for f in strict_validator.validate_object(rel)] == [
            ("relationship-type", "warning")
        ]

    def test_related_to_joins_anything(self, validator: Validator) -> None:
        """related-to joins any SDO or SCO pair (section 3.7)."""
        rel = _relationship(IPV4["id"], "related-to", _ref("campaign"))
        assert validator.validate_object(rel) == []

    @pytest.mark.parametrize("name", ["derived-from", "duplicate-of"])
    def test_same_type_relationships(self, validator: Validator, name: str) -> None:
        """derived-from and duplicate-of join objects of the same type; across types they
        are a relationship-same-type warning (section 3.7)."""
        same = _relationship(
            _ref("campaign"), name, "campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
        )
        assert validator.validate_object(same) == []
        across = _relationship(_ref("campaign"), name, _ref("intrusion-set"))
        assert [(f.code, f.severity) for f in validator.validate_object(across)] == [
            ("relationship-same-type", "warning")
        ]

    def test_consists_of_any_sco(self, validator: Validator) -> None:
        """infrastructure consists-of any SCO type (section 4.8.2), but not an identity."""
        for sco in ("ipv4-addr", "x509-certificate", "windows-registry-key"):
            rel = _relationship(_ref("infrastructure"), "consists-of", _ref(sco))
            assert validator.validate_object(rel) == [], sco
        rel = _relationship(_ref("infrastructure"), "consists-of", _ref("identity"))
        assert [f.code for f in validator.validate_object(rel)] == ["relationship-type"]

    def test_sco_relationships(self, validator: Validator) -> None:
        """The SCO relationships of sections 6.4.2 and 6.8.2 are listed: domain-name
        resolves-to ipv4-addr, ipv4-addr belongs-to autonomous-system."""
        for source, name, target in (
            ("domain-name", "resolves-to", "ipv4-addr"),
            ("ipv4-addr", "belongs-to", "autonomous-system"),
            ("ipv6-addr", "resolves-to", "mac-addr"),
        ):
            rel = _relationship(_ref(source), name, _ref(target))
            assert validator.validate_object(rel) == [], (source, name, target)

    def test_custom_types_are_not_judged(self, validator: Validator) -> None:
        """A custom source or target type has no spec relationships, so no relationship-type
        warning (only what the custom-content policy says about the custom object itself)."""
        rel = _relationship(_ref("x-mitre-data-component"), "detects", _ref("attack-pattern"))
        assert validator.validate_object(rel) == []
        rel = _relationship(_ref("attack-pattern"), "derived-from", _ref("x-acme-thing"))
        assert validator.validate_object(rel) == []

    def test_malformed_relationship_type_is_only_the_error(self, validator: Validator) -> None:
        """A relationship_type breaking the section 5.1.2 form is its error alone."""
        rel = _relationship(INDICATOR["id"], "Indicates", MALWARE_ID)
        assert [(f.code, f.severity) for f in validator.validate_object(rel)] == [
            ("format", "error")
        ]

    def test_table_covers_appendix_b(self) -> None:
        """The prepared table holds the Appendix B rows, malware-analysis av-analysis-of
        included, and vulnerability, which has no forward relationships, is no source."""
        assert SPEC_RELATIONSHIPS[("malware-analysis", "av-analysis-of")] == {"malware"}
        assert SPEC_RELATIONSHIPS[("malware", "drops")] == {"malware", "tool", "file"}
        assert not any(source == "vulnerability" for source, _ in SPEC_RELATIONSHIPS)
        assert len(SPEC_RELATIONSHIPS[("infrastructure", "consists-of")]) == 20


class TestJsonLinesBundles:
    def test_bundle_line_checked_like_a_whole_file_bundle(self) -> None:
        """Each bundle line of JSON lines gets an entry with its line before its objects,
        with the findings a whole-file bundle gets (section 8)."""
        data = b"\n".join(
            [
                b'{"type": "bundle", "id": "bundle--1", "spec_version": "2.1", "objects": []}',
                b'{"type": "bundle", "id": "%s", "objects": [{"type": "ipv4-addr", '
                b'"spec_version": "2.1", "id": "%s", "value": "198.51.100.3"}]}'
                % (BUNDLE_ID.encode(), IPV4["id"].encode()),
            ]
        )
        report = Validator().validate_lines(parse_json_lines(data))
        assert [(e.type, e.line, e.index) for e in report.objects] == [
            ("bundle", 1, None),
            ("bundle", 2, None),
            ("ipv4-addr", None, 0),
        ]
        whole = Validator().validate_document(
            {"type": "bundle", "id": "bundle--1", "spec_version": "2.1", "objects": []}
        )
        assert report.objects[0].findings == whole.objects[0].findings
        assert report.objects[1].findings == []
        assert report.objects[0].as_dict()["line"] == 1
        assert "line" not in report.objects[2].as_dict()

    def test_objects_of_lines_form_one_list(self) -> None:
        """Objects of envelope, bundle and object lines are numbered $[i] across lines and
        checked between each other (section 3.6)."""
        second = obj(INDICATOR, modified=NEWER, created="2024-03-01T11:00:00.000Z")
        lines = [
            b'{"objects": [%s]}' % _json(IDENTITY),
            _json(INDICATOR),
            b'{"type": "bundle", "id": "%s", "objects": [%s]}'
            % (BUNDLE_ID.encode(), _json(second)),
        ]
        report = Validator(ValidationOptions()).validate_lines(parse_json_lines(b"\n".join(lines)))
        assert [(f.code, f.path) for f in report.findings] == [("version-created", "$[2].created")]


def _json(value: Any) -> bytes:
    return orjson.dumps(value)
