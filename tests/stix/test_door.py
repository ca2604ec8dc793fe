"""The door: the minimal checks every object passes before a hub stores it."""

from typing import Any

import orjson
import pytest

from stixhub.stix import DoorFailure, PreparedObject, parse_stix_timestamp_key, prepare_object
from stixhub.stix._door import SCO_TYPES
from tests.conftest import shared_path

UUID = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
CREATED = "2024-01-01T00:00:00.000Z"
MODIFIED = "2024-02-01T00:00:00.000Z"


def indicator(**changes: Any) -> dict[str, Any]:
    """A minimal 2.1 indicator, with properties changed or (with None) removed."""
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{UUID}",
        "created": CREATED,
        "modified": MODIFIED,
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": CREATED,
    }
    for name, value in changes.items():
        if value is None:
            obj.pop(name, None)
        else:
            obj[name] = value
    return obj


def refusal(obj: Any) -> DoorFailure:
    """The DoorFailure that prepare_object raises for an object."""
    with pytest.raises(DoorFailure) as info:
        prepare_object(obj)
    return info.value


def corpus_objects(*parts: str) -> list[dict[str, Any]]:
    """The objects of one bundle of the shared corpus."""
    bundle = orjson.loads(shared_path(*parts).read_bytes())
    objects: list[dict[str, Any]] = bundle["objects"]
    return objects


class TestAcceptedObject:
    """What a valid object becomes when it passes the door."""

    def test_columns_of_a_valid_object(self) -> None:
        """A valid object yields its id, type, spec_version, version and version key."""
        p = prepare_object(indicator())
        assert isinstance(p, PreparedObject)
        assert p.id == f"indicator--{UUID}"
        assert p.type == "indicator"
        assert p.spec_version == "2.1"
        assert p.version == MODIFIED
        assert p.version_key == "2024-02-01T00:00:00.000000000Z"

    def test_version_is_created_without_modified(self) -> None:
        """Without modified, the version is created, as written."""
        p = prepare_object(indicator(modified=None, created="2024-01-01T00:00:00Z"))
        assert p.version == "2024-01-01T00:00:00Z"
        assert p.version_key == "2024-01-01T00:00:00.000000000Z"

    def test_modified_without_created(self) -> None:
        """With modified and no created, the version is modified."""
        p = prepare_object(indicator(created=None))
        assert p.version == MODIFIED

    def test_no_version_without_created_or_modified(self) -> None:
        """An object with neither created nor modified has no version and no version key."""
        p = prepare_object({"type": "ipv4-addr", "id": f"ipv4-addr--{UUID}", "value": "1.2.3.4"})
        assert p.version is None
        assert p.version_key is None

    def test_null_modified_keeps_version_and_key_consistent(self) -> None:
        """A null modified is refused or ignored, never giving a key without a version."""
        try:
            p = prepare_object(indicator(modified=None) | {"modified": None})
        except DoorFailure:
            return
        assert p.version == CREATED
        assert p.version_key == parse_stix_timestamp_key(CREATED)

    def test_modified_equal_to_created_accepted(self) -> None:
        """modified may equal created, even when spelled with other digits."""
        p = prepare_object(indicator(created="2024-01-01T00:00:00Z", modified=CREATED))
        assert p.version == CREATED

    def test_body_is_compact_json_of_the_object(self) -> None:
        """The body is the object serialised as compact JSON, reading back as the same object."""
        obj = indicator(labels=["a", "b"], confidence=80)
        body = prepare_object(obj).body
        assert body == orjson.dumps(obj)
        assert orjson.loads(body) == obj
        assert b"\n" not in body
        assert b": " not in body

    def test_body_does_not_depend_on_whitespace_of_the_input(self) -> None:
        """Objects parsed from differently formatted JSON get identical bodies."""
        text = orjson.dumps(indicator())
        pretty = orjson.dumps(indicator(), option=orjson.OPT_INDENT_2)
        assert prepare_object(orjson.loads(text)).body == prepare_object(orjson.loads(pretty)).body

    def test_nothing_is_added_to_the_body(self) -> None:
        """A defaulted spec_version is reported but not written into the stored body."""
        obj = indicator(spec_version=None)
        p = prepare_object(obj)
        assert p.spec_version == "2.0"
        assert b"spec_version" not in p.body

    def test_input_is_not_modified(self) -> None:
        """Preparing an object leaves the caller's dict untouched."""
        obj = indicator()
        before = dict(obj)
        prepare_object(obj)
        assert obj == before

    def test_longest_type_accepted(self) -> None:
        """A custom type of 250 characters is accepted."""
        type_ = "x-" + "a" * 248
        p = prepare_object({"type": type_, "id": f"{type_}--{UUID}", "spec_version": "2.1"})
        assert p.type == type_

    def test_uuid_in_upper_case_accepted(self) -> None:
        """The UUID part of an id may be written in upper-case hex."""
        p = prepare_object(indicator(id=f"indicator--{UUID.upper()}"))
        assert p.id == f"indicator--{UUID.upper()}"


class TestType:
    """The type property must be a valid STIX type name."""

    @pytest.mark.parametrize(
        "type_",
        [
            None,
            7,
            ["indicator"],
            "",
            "ab",
            "Indicator",
            "-indicator",
            "indicator-",
            "indi_cator",
            "indi cator",
            "x-" + "a" * 249,
            "indicatör",
        ],
    )
    def test_invalid_types_refused(self, type_: Any) -> None:
        """Missing, non-string, too short, too long, upper-case or odd-character types fail."""
        failure = refusal(indicator(type=type_))
        assert "type" in failure.message
        assert failure.object_id == f"indicator--{UUID}"

    @pytest.mark.parametrize("type_", ["abc", "x-c2", "a-b", "123"])
    def test_valid_short_types_accepted(self, type_: str) -> None:
        """Three-character and hyphenated types of letters and digits are accepted."""
        assert prepare_object({"type": type_, "id": f"{type_}--{UUID}"}).type == type_

    def test_bundle_refused(self) -> None:
        """A bundle is not an object a collection can hold."""
        failure = refusal({"type": "bundle", "id": f"bundle--{UUID}", "objects": []})
        assert "bundle" in failure.message
        assert failure.object_id == f"bundle--{UUID}"

    @pytest.mark.parametrize("obj", [[], "indicator", 1, None])
    def test_non_object_refused(self, obj: Any) -> None:
        """A value that is not a JSON object is refused without an id."""
        failure = refusal(obj)
        assert failure.object_id is None
        assert "JSON object" in failure.message


class TestId:
    """The id must be <type>--<UUID> with the object's own type."""

    def test_missing_id_refused(self) -> None:
        """An object without id fails and has no id to report."""
        failure = refusal(indicator(id=None))
        assert failure.object_id is None
        assert "id is required" in failure.message

    def test_non_string_id_refused(self) -> None:
        """A non-string id fails and is not reported as the object's id."""
        failure = refusal(indicator(id=12))
        assert failure.object_id is None

    @pytest.mark.parametrize(
        "bad_id",
        [
            "indicator",
            f"indicator-{UUID}",
            f"indicator--{UUID[:-1]}",
            f"indicator--{UUID}0",
            "indicator--not-a-uuid",
            f"indicator--{UUID.replace('-', '')}",
            f"indicator--{{{UUID}}}",
            f" indicator--{UUID}",
            f"indicator--{UUID}\n",
        ],
    )
    def test_malformed_ids_refused(self, bad_id: str) -> None:
        """Ids that are not exactly <type>--<UUID> fail, naming the bad id."""
        failure = refusal(indicator(id=bad_id))
        assert failure.object_id == bad_id
        assert "<type>--<UUID>" in failure.message

    def test_prefix_must_match_type(self) -> None:
        """An id whose prefix is another type fails, naming both."""
        failure = refusal(indicator(id=f"malware--{UUID}"))
        assert "'malware'" in failure.message
        assert "'indicator'" in failure.message
        assert failure.object_id == f"malware--{UUID}"

    def test_prefix_match_with_hyphenated_type(self) -> None:
        """A type with hyphens matches the id prefix as a whole."""
        p = prepare_object({"type": "x-my-thing", "id": f"x-my-thing--{UUID}"})
        assert p.id == f"x-my-thing--{UUID}"
        failure = refusal({"type": "x-my-thing", "id": f"x-my--{UUID}"})
        assert "does not match" in failure.message


class TestTimestamps:
    """created and modified must be STIX timestamps, modified not before created."""

    @pytest.mark.parametrize("name", ["created", "modified"])
    @pytest.mark.parametrize(
        "value",
        [
            "yesterday",
            "2024-02-30T00:00:00Z",
            "2024-01-01T00:00:00+01:00",
            "2024-01-01T00:00:00.1234567890Z",
            "0000-01-01T00:00:00Z",
        ],
    )
    def test_unparseable_timestamps_refused(self, name: str, value: str) -> None:
        """A created or modified that is not a STIX timestamp fails, naming the property."""
        failure = refusal(indicator(**{name: value}))
        assert failure.message.startswith(f"{name}:")
        assert failure.object_id == f"indicator--{UUID}"

    @pytest.mark.parametrize("value", [20240101, ["2024-01-01T00:00:00Z"], {"t": 1}, True])
    def test_non_string_timestamps_refused(self, value: Any) -> None:
        """A created that is not a string fails."""
        failure = refusal(indicator(created=value))
        assert "created must be a string" in failure.message

    def test_modified_before_created_refused(self) -> None:
        """modified earlier than created fails and reports the version."""
        failure = refusal(indicator(created=MODIFIED, modified=CREATED))
        assert "earlier than created" in failure.message
        assert failure.version == CREATED

    def test_ordering_compares_instants_not_text(self) -> None:
        """'...:00.5Z' is after '...:00.123456Z' although it sorts before it as text."""
        p = prepare_object(
            indicator(created="2024-01-01T00:00:00.123456Z", modified="2024-01-01T00:00:00.5Z")
        )
        assert p.version == "2024-01-01T00:00:00.5Z"
        refusal(indicator(created="2024-01-01T00:00:00.5Z", modified="2024-01-01T00:00:00.49Z"))


class TestSpecVersion:
    """spec_version is 2.0 or 2.1; without it, SCOs are 2.1 and everything else 2.0."""

    @pytest.mark.parametrize("sco", sorted(SCO_TYPES))
    def test_sco_without_spec_version_is_2_1(self, sco: str) -> None:
        """Every SCO type without spec_version is a STIX 2.1 object."""
        assert prepare_object({"type": sco, "id": f"{sco}--{UUID}"}).spec_version == "2.1"

    @pytest.mark.parametrize("type_", ["indicator", "malware", "relationship", "x-custom"])
    def test_others_without_spec_version_are_2_0(self, type_: str) -> None:
        """SDOs, SROs and custom objects without spec_version are STIX 2.0 objects."""
        obj = {"type": type_, "id": f"{type_}--{UUID}", "created": CREATED, "modified": CREATED}
        assert prepare_object(obj).spec_version == "2.0"

    @pytest.mark.parametrize("value", ["2.0", "2.1"])
    def test_supported_spec_versions_kept(self, value: str) -> None:
        """An explicit 2.0 or 2.1 is kept, for SCOs as well."""
        assert prepare_object(indicator(spec_version=value)).spec_version == value
        sco = {"type": "file", "id": f"file--{UUID}", "spec_version": value}
        assert prepare_object(sco).spec_version == value

    @pytest.mark.parametrize("value", ["2.2", "1.0", "2", "", 2.1, 21, False])
    def test_unsupported_spec_versions_refused(self, value: Any) -> None:
        """Other versions, and non-string spellings of the supported ones, fail."""
        failure = refusal(indicator(spec_version=value))
        assert "spec_version" in failure.message
        assert failure.version == MODIFIED

    @pytest.mark.parametrize("value", [["2.1"], {"v": "2.1"}])
    def test_unhashable_spec_version_is_a_door_failure(self, value: Any) -> None:
        """A list or object as spec_version is refused by the door, not a crash."""
        failure = refusal(indicator(spec_version=value))
        assert "spec_version" in failure.message


class TestUnserialisable:
    """Objects handed in by Python callers that JSON cannot hold."""

    def test_integer_beyond_64_bits_is_a_door_failure(self) -> None:
        """A value JSON bytes cannot represent is refused by the door, not a crash."""
        failure = refusal(indicator(confidence=2**70))
        assert failure.object_id == f"indicator--{UUID}"


class TestRealCorpus:
    """Real published content passes the door unchanged."""

    @pytest.mark.parametrize(
        "parts",
        [
            ("corpus", "real-world", "mitre-attack", "ics-attack-18.1.json"),
            ("corpus", "oasis-json-schemas", "examples", "threat-reports", "apt1.json"),
            ("corpus", "oasis-json-schemas", "examples", "threat-reports", "poisonivy.json"),
        ],
        ids=["ics-attack", "apt1", "poisonivy"],
    )
    def test_every_object_passes(self, parts: tuple[str, ...]) -> None:
        """Every object of the bundle passes, keeps its id, type and version, and its content."""
        objects = corpus_objects(*parts)
        assert objects
        for obj in objects:
            p = prepare_object(obj)
            assert p.id == obj["id"]
            assert p.type == obj["type"]
            assert p.spec_version == obj.get("spec_version", p.spec_version)
            assert p.version == obj.get("modified", obj.get("created"))
            assert orjson.loads(p.body) == obj

    def test_ics_attack_corpus_size(self) -> None:
        """The ATT&CK for ICS bundle holds its 1,826 objects, all distinct id and version."""
        objects = corpus_objects("corpus", "real-world", "mitre-attack", "ics-attack-18.1.json")
        prepared = [prepare_object(o) for o in objects]
        assert len(prepared) == 1826
        assert len({(p.id, p.version_key) for p in prepared}) == 1826
