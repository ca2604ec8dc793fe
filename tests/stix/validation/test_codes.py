"""Finding codes that no other test asserts, big integers anywhere, and the form of paths."""

from typing import Any

import pytest

from stixhub.stix import MAX_JSON_INTEGER
from stixhub.stix.validation import Validator

from .conftest import EXTENSION_DEFINITION, IDENTITY, INDICATOR, IPV4, codes, obj

BUNDLE_ID = "bundle--44af6c39-c09b-49c5-9de2-394224b04982"
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
ARTIFACT = {
    "type": "artifact",
    "spec_version": "2.1",
    "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641",
    "mime_type": "application/zip",
    "payload_bin": "ZWFzdGVyIGVnZw==",
}
NETWORK_TRAFFIC = {
    "type": "network-traffic",
    "spec_version": "2.1",
    "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d",
    "src_ref": IPV4["id"],
    "protocols": ["tcp"],
}


def _bundle(*objects: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "bundle", "id": BUNDLE_ID, "objects": list(objects), **extra}


def _findings(validator: Validator, doc: Any) -> set[tuple[str, str]]:
    return {(f.code, f.severity) for f in validator.validate_document(doc).findings}


class TestCodes:
    def test_artifact_with_payload_and_url(self, validator: Validator) -> None:
        """An artifact with both payload_bin and url is an artifact-content error."""
        o = obj(ARTIFACT, url="https://example.org/a.zip", hashes={"MD5": "0" * 32})
        assert ("artifact-content", "error") in _findings(validator, o)

    def test_artifact_decryption_key_needs_algorithm(self, validator: Validator) -> None:
        """decryption_key without encryption_algorithm is an artifact-content error."""
        o = obj(ARTIFACT, decryption_key="secret")
        assert ("artifact-content", "error") in _findings(validator, o)

    def test_bundle_inside_a_bundle(self, validator: Validator) -> None:
        """A bundle among a bundle's objects is a bundle-nested error."""
        inner = _bundle(INDICATOR)
        assert ("bundle-nested", "error") in _findings(validator, _bundle(inner))

    def test_bundle_with_spec_version(self, validator: Validator) -> None:
        """A 2.0-style spec_version on a bundle is a bundle-property warning only."""
        found = _findings(validator, _bundle(INDICATOR, spec_version="2.1"))
        assert found == {("bundle-property", "warning")}

    def test_unknown_charset(self, validator: Validator) -> None:
        """A path_enc that names no character set is a charset error."""
        o = {
            "type": "directory",
            "spec_version": "2.1",
            "id": "directory--93c0a9b0-520d-545d-9094-1a08ddf46b05",
            "path": "C:\\Windows",
            "path_enc": "no-such-charset",
        }
        assert ("charset", "error") in _findings(validator, o)

    def test_country_not_alpha_2(self, validator: Validator) -> None:
        """A country that is not ISO 3166-1 alpha-2 is a country warning."""
        o = obj(IDENTITY, type="location", id="location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64")
        del o["name"], o["identity_class"]
        assert _findings(validator, obj(o, country="NL")) == set()
        assert _findings(validator, obj(o, country="nld")) == {("country", "warning")}

    def test_observed_data_objects_is_deprecated(self, validator: Validator) -> None:
        """observed-data carrying the 2.0 objects dictionary is a deprecated warning."""
        o = obj(
            IDENTITY,
            type="observed-data",
            id="observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            first_observed="2024-01-01T00:00:00Z",
            last_observed="2024-01-01T00:00:00Z",
            number_observed=1,
            objects={"0": {"type": "ipv4-addr", "value": "198.51.100.3"}},
        )
        del o["name"], o["identity_class"]
        assert _findings(validator, o) == {("deprecated", "warning")}

    def test_identical_copies_in_a_bundle(self, validator: Validator) -> None:
        """Two identical copies of one version are a duplicate-object warning."""
        assert _findings(validator, _bundle(INDICATOR, INDICATOR)) == {
            ("duplicate-object", "warning")
        }

    def test_external_reference_url_without_hashes(self, validator: Validator) -> None:
        """An external reference with a url and no hashes is an external-reference-hashes
        warning."""
        o = obj(IDENTITY, external_references=[{"source_name": "x", "url": "https://e.org"}])
        assert _findings(validator, o) == {("external-reference-hashes", "warning")}

    def test_kill_chain_name_with_spaces(self, validator: Validator) -> None:
        """A kill chain name with capitals and spaces is a kill-chain-format warning."""
        phases = [{"kill_chain_name": "Mitre Attack", "phase_name": "execution"}]
        o = obj(INDICATOR, kill_chain_phases=phases)
        assert _findings(validator, o) == {("kill-chain-format", "warning")}

    def test_active_traffic_with_end(self, validator: Validator) -> None:
        """network-traffic with is_active true and an end is a network-traffic-end error."""
        o = obj(NETWORK_TRAFFIC, is_active=True, end="2024-01-01T00:00:00Z")
        assert ("network-traffic-end", "error") in _findings(validator, o)

    def test_upper_case_protocol(self, validator: Validator) -> None:
        """A protocol written in capitals is a protocol-format warning."""
        assert ("protocol-format", "warning") in _findings(
            validator, obj(NETWORK_TRAFFIC, protocols=["TCP"])
        )

    def test_version_after_revocation(self, validator: Validator) -> None:
        """A newer version after a revoked one is a revoked-version error on the newer one."""
        revoked = obj(INDICATOR, revoked=True)
        newer = obj(INDICATOR, modified="2024-03-02T10:00:00.000Z")
        report = validator.validate_document(_bundle(revoked, newer))
        assert [(f.code, f.path) for f in report.findings] == [
            ("revoked-version", "$.objects[1].modified")
        ]

    @pytest.mark.parametrize("type_", ["X_Bad", "ab", "a--b", "9abc", 7])
    def test_malformed_type_name(self, validator: Validator, type_: object) -> None:
        """A type that breaks the section 3.1 naming rule is a type-name error."""
        assert ("type-name", "error") in _findings(validator, obj(INDICATOR, type=type_))

    def test_extension_version_not_semantic(self, validator: Validator) -> None:
        """An extension-definition version that is not semantic versioning is a
        version-format warning."""
        assert _findings(validator, EXTENSION_DEFINITION) == set()
        found = _findings(validator, obj(EXTENSION_DEFINITION, version="1.0"))
        assert found == {("version-format", "warning")}

    def test_vocabulary_value_with_spaces(self, validator: Validator) -> None:
        """An unlisted vocabulary value with capitals and spaces is a vocabulary-format
        warning besides the vocabulary one."""
        o = obj(INDICATOR, indicator_types=["Malicious Activity"])
        assert _findings(validator, o) == {
            ("vocabulary", "warning"),
            ("vocabulary-format", "warning"),
        }


TLP2 = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}


def _tlp2(mid: str, level: str) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": mid,
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level.upper()}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


class TestTlp2Markings:
    @pytest.mark.parametrize(("mid", "level"), TLP2.items(), ids=TLP2.values())
    def test_fixed_tlp2_marking_is_valid(self, validator: Validator, mid: str, level: str) -> None:
        """Each fixed TLP 2.0 object (CLEAR, GREEN, AMBER+STRICT, RED) gives no finding."""
        assert validator.validate_object(_tlp2(mid, level)) == []

    @pytest.mark.parametrize(("mid", "level"), TLP2.items(), ids=TLP2.values())
    def test_tlp2_id_with_another_level_is_refused(
        self, validator: Validator, mid: str, level: str
    ) -> None:
        """A TLP 2.0 id whose tlp_2_0 names another level is a tlp-marking error."""
        other = "red" if level != "red" else "clear"
        o = _tlp2(mid, level)
        o["extensions"][TLP2_EXTENSION]["tlp_2_0"] = other
        assert codes(validator.validate_object(o), "error") == {"tlp-marking"}


class TestBigIntegers:
    @pytest.mark.parametrize("value", [2**60, -(2**53), MAX_JSON_INTEGER + 1])
    def test_custom_property_beyond_the_json_range(self, validator: Validator, value: int) -> None:
        """A custom integer beyond ±(2^53-1) is a range error at its path."""
        findings = validator.validate_object(obj(INDICATOR, x_big=value))
        assert [(f.code, f.severity, f.path) for f in findings if f.severity == "error"] == [
            ("range", "error", "$.x_big")
        ]

    def test_limits_and_booleans_are_accepted(self, validator: Validator) -> None:
        """±(2^53-1) and booleans (not integers in JSON) are not range errors."""
        o = obj(INDICATOR, x_max=MAX_JSON_INTEGER, x_min=-MAX_JSON_INTEGER, x_flag=True)
        assert codes(validator.validate_object(o), "error") == set()

    @pytest.mark.parametrize(
        ("changes", "path"),
        [
            ({"x_nested": {"a": [1, {"b": 2**60}]}}, "$.x_nested.a[1].b"),
            ({"x_list": [2**60]}, "$.x_list[0]"),
            (
                {"external_references": [{"source_name": "s", "external_id": "1", "x_n": 2**60}]},
                "$.external_references[0].x_n",
            ),
            (
                {"kill_chain_phases": [{"kill_chain_name": "k", "phase_name": "p", "x_n": 2**60}]},
                "$.kill_chain_phases[0].x_n",
            ),
            (
                {
                    "extensions": {
                        "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {
                            "extension_type": "property-extension",
                            "rank": 2**60,
                        }
                    }
                },
                "$.extensions['extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e'].rank",
            ),
        ],
    )
    def test_big_integer_anywhere(
        self, validator: Validator, changes: dict[str, Any], path: str
    ) -> None:
        """A big integer nested in custom content or an extension is a range error there."""
        findings = validator.validate_object(obj(INDICATOR, **changes))
        assert ("range", path) in {(f.code, f.path) for f in findings if f.severity == "error"}

    def test_big_integer_in_a_dictionary_property(self, validator: Validator) -> None:
        """A big integer inside a spec dictionary (process environment) is a range error."""
        o = {
            "type": "process",
            "id": "process--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "environment_variables": {"N": 2**60},
        }
        assert ("range", "$.environment_variables.N") in {
            (f.code, f.path) for f in validator.validate_object(o) if f.severity == "error"
        }

    def test_big_integer_in_a_custom_object(self, validator: Validator) -> None:
        """A big integer in a property of a custom object type is a range error."""
        o = obj(INDICATOR, type="x-thing", id="x-thing--9df314c4-db53-4a8f-b81d-6bc76ad25ec9")
        o = {k: v for k, v in o.items() if k not in ("pattern", "pattern_type", "valid_from")}
        findings = validator.validate_object(obj(o, count=2**60))
        assert ("range", "$.count") in {(f.code, f.path) for f in findings if f.severity == "error"}

    def test_big_integer_in_a_float_property(self, validator: Validator) -> None:
        """A location precision of 2^60 is a range error: integers are bounded anywhere."""
        o = {
            "type": "location",
            "spec_version": "2.1",
            "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64",
            "created": "2024-03-01T00:00:00.000Z",
            "modified": "2024-03-01T00:00:00.000Z",
            "latitude": 1.0,
            "longitude": 2.0,
            "precision": 2**60,
        }
        assert codes(validator.validate_object(o), "error") == {"range"}


class TestPaths:
    def test_bundle_paths_start_at_the_root(self, validator: Validator) -> None:
        """Findings about a bundle's objects have paths $.objects[i]...."""
        bad = obj(INDICATOR, modified="2024-01-01T00:00:00.000Z")
        paths = [f.path for f in validator.validate_document(_bundle(IDENTITY, bad)).findings]
        assert paths == ["$.objects[1].modified"]

    def test_list_of_objects_paths(self, validator: Validator) -> None:
        """Findings about the objects of a list (JSON lines) have paths $[i]...."""
        bad = obj(INDICATOR, modified="2024-01-01T00:00:00.000Z")
        paths = [f.path for f in validator.validate_document([IDENTITY, bad]).findings]
        assert paths == ["$[1].modified"]

    def test_key_that_is_not_an_identifier_is_bracket_quoted(self, validator: Validator) -> None:
        """A hash named SHA-256 is $.hashes['SHA-256']; a quote in a key is escaped."""
        o = {
            "type": "file",
            "spec_version": "2.1",
            "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "hashes": {"SHA-256": "xyz", "it's": "a"},
        }
        paths = {f.path for f in validator.validate_object(o) if f.severity == "error"}
        assert paths == {"$.hashes['SHA-256']", "$.hashes['it\\'s']"}

    def test_extension_keys_are_bracket_quoted(self, validator: Validator) -> None:
        """A predefined extension name is quoted: $.extensions['ntfs-ext']...."""
        o = {
            "type": "file",
            "spec_version": "2.1",
            "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "name": "a.exe",
            "extensions": {"ntfs-ext": {"sid": 1}},
        }
        paths = {f.path for f in validator.validate_object(o) if f.severity == "error"}
        assert paths == {"$.extensions['ntfs-ext'].sid"}
