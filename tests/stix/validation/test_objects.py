"""Rules on single objects: each test breaks one rule of a valid object."""

from typing import Any

from stixhub.stix.validation import Validator

from .conftest import IDENTITY, INDICATOR, IPV4, codes, errors, obj

TLP_GREEN = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "created": "2017-01-20T00:00:00.000Z",
    "definition_type": "tlp",
    "name": "TLP:GREEN",
    "definition": {"tlp": "green"},
}
TLP2_AMBER = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "created": "2022-10-01T00:00:00.000Z",
    "name": "TLP:AMBER",
    "extensions": {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension",
            "tlp_2_0": "amber",
        }
    },
}


def only(validator: Validator, o: dict[str, Any]) -> set[str]:
    return codes(validator.validate_object(o), "error")


class TestValidObjects:
    def test_valid_indicator_has_no_findings(self, validator: Validator) -> None:
        """A complete indicator with a parsable pattern gives no finding at all."""
        assert validator.validate_object(INDICATOR) == []

    def test_valid_identity_and_sco_have_no_findings(self, validator: Validator) -> None:
        """An identity and an SCO with its deterministic id give no finding."""
        assert validator.validate_object(IDENTITY) == []
        assert validator.validate_object(IPV4) == []

    def test_non_object_is_an_error(self, validator: Validator) -> None:
        """A JSON value that is not an object is reported, not raised."""
        assert only(validator, [1, 2]) == {"type"}  # type: ignore[arg-type]


class TestCommonProperties:
    def test_missing_required_common_property(self, validator: Validator) -> None:
        """An SDO without modified breaks a MUST, reported at $.modified."""
        findings = validator.validate_object(obj(IDENTITY, modified=...))
        assert [(f.code, f.path) for f in errors(findings)] == [("required", "$.modified")]

    def test_modified_before_created_message(self, validator: Validator) -> None:
        """modified earlier than created names both instants in the message."""
        o = obj(IDENTITY, created="2024-02-01T00:00:00.000Z", modified="2024-01-01T00:00:00.000Z")
        (finding,) = errors(validator.validate_object(o))
        assert finding.code == "timestamp-order"
        assert finding.path == "$.modified"
        assert finding.message == (
            "modified 2024-01-01T00:00:00.000Z is earlier than created 2024-02-01T00:00:00.000Z"
        )

    def test_sub_millisecond_order_is_compared(self, validator: Validator) -> None:
        """created .000123Z is later than modified .000Z, so the order is broken."""
        o = obj(
            IDENTITY, created="2024-01-01T00:00:00.000123Z", modified="2024-01-01T00:00:00.000Z"
        )
        assert "timestamp-order" in only(validator, o)

    def test_confidence_out_of_range(self, validator: Validator) -> None:
        """confidence must be an integer from 0 to 100."""
        assert only(validator, obj(IDENTITY, confidence=101)) == {"range"}
        assert only(validator, obj(IDENTITY, confidence=True)) == {"type"}

    def test_labels_must_be_a_non_empty_list(self, validator: Validator) -> None:
        """An empty labels list breaks section 2.12."""
        assert only(validator, obj(IDENTITY, labels=[])) == {"empty-list"}

    def test_lang_must_be_a_language_tag(self, validator: Validator) -> None:
        """lang must be an RFC 5646 tag; 'english' is not one."""
        assert only(validator, obj(IDENTITY, lang="english")) == {"language"}
        assert only(validator, obj(IDENTITY, lang="de-CH")) == set()

    def test_spec_version_must_be_21(self, validator: Validator) -> None:
        """spec_version 2.0 on an SDO is not STIX 2.1 content."""
        assert only(validator, obj(IDENTITY, spec_version="2.0")) == {"spec-version"}

    def test_created_by_ref_must_point_to_identity(self, validator: Validator) -> None:
        """created_by_ref naming a malware is an error that names the property."""
        o = obj(INDICATOR, created_by_ref="malware--66af144e-1728-4073-be2f-0ea1c9eafe56")
        (finding,) = errors(validator.validate_object(o))
        assert finding.code == "reference-type"
        assert "created_by_ref" in finding.message

    def test_reserved_property_is_an_error(self, validator: Validator) -> None:
        """severity is reserved by section 3.8, even as a custom property."""
        assert only(validator, obj(INDICATOR, severity="high")) == {"reserved-property"}

    def test_defanged_only_on_scos(self, validator: Validator) -> None:
        """defanged on an SDO is an error; on an SCO it is fine."""
        assert only(validator, obj(IDENTITY, defanged=True)) == {"defanged"}
        assert only(validator, obj(IPV4, defanged=True)) == set()

    def test_sdo_properties_on_sco_are_warnings(self, validator: Validator) -> None:
        """created on an SCO is not applicable: a warning, not an error."""
        findings = validator.validate_object(obj(IPV4, labels=["x"]))
        assert codes(findings) == {"sco-property"}
        assert errors(findings) == []


class TestTimestamps:
    def test_impossible_dates(self, validator: Validator) -> None:
        """February 29 of a non-leap year and day 31 of April are refused."""
        assert only(validator, obj(INDICATOR, valid_from="2017-02-29T00:00:00Z")) == {"timestamp"}
        assert only(validator, obj(INDICATOR, valid_from="2016-04-31T00:00:00Z")) == {"timestamp"}

    def test_bare_decimal_point_is_invalid(self, validator: Validator) -> None:
        """A fraction with no digits ('00.Z') is not a timestamp."""
        assert only(validator, obj(INDICATOR, valid_from="2016-01-01T00:00:00.Z")) == {"timestamp"}

    def test_lowercase_z_and_offsets_are_invalid(self, validator: Validator) -> None:
        """Timestamps are UTC with a capital Z; offsets are not allowed."""
        assert only(validator, obj(INDICATOR, valid_from="2016-01-01T00:00:00z")) == {"timestamp"}
        assert only(validator, obj(INDICATOR, valid_from="2016-01-01T00:00:00+01:00")) == {
            "timestamp"
        }

    def test_created_needs_milliseconds(self, validator: Validator) -> None:
        """created without milliseconds breaks the precision rule; valid_from may omit them."""
        o = obj(INDICATOR, created="2024-03-01T10:00:00Z")
        assert only(validator, o) == {"timestamp-precision"}

    def test_valid_until_strictly_after_valid_from(self, validator: Validator) -> None:
        """valid_until equal to valid_from is refused (section 4.7 says later than)."""
        o = obj(INDICATOR, valid_until="2024-03-01T00:00:00Z")
        assert only(validator, o) == {"timestamp-order"}


class TestIdentifiers:
    def test_id_prefix_must_match_type(self, validator: Validator) -> None:
        """An id whose prefix names another type is an error."""
        o = obj(INDICATOR, id="malware--9df314c4-db53-4a8f-b81d-6bc76ad25ec9")
        assert only(validator, o) == {"id-type"}

    def test_id_must_hold_a_uuid(self, validator: Validator) -> None:
        """tool--blablabla is not an identifier."""
        assert only(validator, obj(INDICATOR, id="indicator--blablabla")) == {"id"}

    def test_uppercase_uuid_is_accepted(self, validator: Validator) -> None:
        """Upper-case hex is RFC 4122 output convention only; it is accepted on input."""
        o = obj(INDICATOR, id="indicator--9DF314C4-DB53-4A8F-B81D-6BC76AD25EC9")
        assert only(validator, o) == set()

    def test_sdo_with_uuid_v1_is_a_warning(self, validator: Validator) -> None:
        """SDO ids SHOULD be UUIDv4; a v1 UUID is a warning."""
        o = obj(IDENTITY, id="identity--fdd60b30-b67c-11e3-b0b9-f01faf20d111")
        assert codes(validator.validate_object(o)) == {"uuid-version"}

    def test_sco_uuid_v5_mismatch_is_a_warning(self, validator: Validator) -> None:
        """An SCO whose v5 id is not derived from its value is warned about."""
        o = obj(IPV4, value="198.51.100.4")
        findings = validator.validate_object(o)
        assert codes(findings) == {"sco-id-mismatch"}
        assert "ipv4-addr--" in findings[0].message

    def test_sco_uuid_v4_is_a_warning(self, validator: Validator) -> None:
        """An SCO with a random id SHOULD have used its deterministic id."""
        o = obj(IPV4, id="ipv4-addr--9df314c4-db53-4a8f-b81d-6bc76ad25ec9")
        assert codes(validator.validate_object(o)) == {"sco-id-version"}

    def test_process_must_use_uuid_v4(self, validator: Validator) -> None:
        """process has no contributing properties, so a v5 id breaks the MUST of 2.9."""
        o = {"type": "process", "id": "process--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4", "pid": 1}
        assert only(validator, o) == {"sco-id-version"}

    def test_integer_beyond_64_bits_in_a_contributing_property(self, validator: Validator) -> None:
        """An SCO value too big for any JSON number is an error, not a crash of the id check."""
        o = obj(IPV4, value=-(2**63) - 1)
        assert errors(validator.validate_object(o))

    def test_versioned_sco_must_not_use_the_stix_namespace(self, validator: Validator) -> None:
        """An SCO with created and a matching STIX-namespace v5 id is an error (section 3.6)."""
        o = obj(IPV4, created="2024-01-01T00:00:00.000Z")
        assert only(validator, o) == {"sco-id-namespace"}


class TestDataTypes:
    def test_hashes_format_per_algorithm(self, validator: Validator) -> None:
        """An MD5 value of the wrong length breaks section 2.7."""
        o = {
            "type": "file",
            "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "hashes": {"MD5": "abc"},
        }
        assert "hash" in only(validator, o)

    def test_short_custom_hash_name_is_an_error(self, validator: Validator) -> None:
        """A custom hash name needs 3 to 250 characters."""
        o = {
            "type": "file",
            "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "hashes": {"MD": "ab"},
        }
        assert "hash-name" in only(validator, o)

    def test_custom_hash_name_is_a_warning(self, validator: Validator) -> None:
        """A custom but well-formed hash name is only warned about (open vocabulary)."""
        o = {
            "type": "file",
            "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "name": "a",
            "hashes": {"sha256": "ab"},
        }
        findings = validator.validate_object(o)
        assert "vocabulary" in codes(findings, "warning")
        assert errors(findings) == []

    def test_hex_must_be_lowercase_and_even(self, validator: Validator) -> None:
        """Hex with upper-case letters or an odd length breaks section 2.8."""
        base = {"type": "file", "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4", "name": "a"}
        assert only(validator, obj(base, magic_number_hex="FFD8")) == {"hex"}
        assert only(validator, obj(base, magic_number_hex="ffd")) == {"hex"}

    def test_binary_must_be_base64(self, validator: Validator) -> None:
        """payload_bin that is not base64 breaks section 2.1."""
        o = {
            "type": "artifact",
            "id": "artifact--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "payload_bin": "not base64!",
        }
        assert only(validator, o) == {"binary"}

    def test_dictionary_keys(self, validator: Validator) -> None:
        """Dictionary keys must be ASCII letters, digits, '-' or '_'; upper case is a warning."""
        base = {"type": "process", "id": "process--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4"}
        assert only(validator, obj(base, environment_variables={"é": "x"})) == {"dictionary-key"}
        findings = validator.validate_object(obj(base, environment_variables={"PATH": "x"}))
        assert codes(findings) == {"dictionary-key-case"}

    def test_empty_dictionary(self, validator: Validator) -> None:
        """A dictionary is never empty."""
        base = {"type": "process", "id": "process--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4", "pid": 1}
        assert only(validator, obj(base, environment_variables={})) == {"empty-dictionary"}

    def test_integer_range(self, validator: Validator) -> None:
        """A port above 65535 is out of range."""
        o = {
            "type": "network-traffic",
            "id": "network-traffic--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "protocols": ["tcp"],
            "src_ref": IPV4["id"],
            "src_port": 70000,
        }
        assert only(validator, o) == {"range"}

    def test_external_reference_needs_more_than_source_name(self, validator: Validator) -> None:
        """An external reference with only source_name breaks section 2.5."""
        o = obj(IDENTITY, external_references=[{"source_name": "x"}])
        assert only(validator, o) == {"external-reference"}

    def test_cve_reference_format(self, validator: Validator) -> None:
        """A CVE reference must use source_name 'cve' and the exact CVE id form."""
        base = {
            **IDENTITY,
            "type": "vulnerability",
            "id": "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "name": "v",
        }
        base.pop("identity_class")
        good = obj(
            base, external_references=[{"source_name": "cve", "external_id": "CVE-2016-1234"}]
        )
        assert only(validator, good) == set()
        bad = obj(
            base, external_references=[{"source_name": "CVE", "external_id": "CVE-2016-1234"}]
        )
        assert only(validator, bad) == {"external-id"}

    def test_kill_chain_phase_needs_both_names(self, validator: Validator) -> None:
        """A kill chain phase without phase_name is an error."""
        o = obj(
            INDICATOR, kill_chain_phases=[{"kill_chain_name": "lockheed-martin-cyber-kill-chain"}]
        )
        assert only(validator, o) == {"required"}


class TestVocabularies:
    def test_open_vocabulary_value_is_a_warning(self, validator: Validator) -> None:
        """An identity_class outside identity-class-ov is warned about, not refused."""
        findings = validator.validate_object(obj(IDENTITY, identity_class="company"))
        assert codes(findings) == {"vocabulary"}

    def test_closed_enumeration_value_is_an_error(self, validator: Validator) -> None:
        """An opinion outside opinion-enum is refused."""
        o = {
            **IDENTITY,
            "type": "opinion",
            "id": "opinion--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "opinion": "maybe",
            "object_refs": [INDICATOR["id"]],
        }
        o.pop("name")
        o.pop("identity_class")
        assert only(validator, o) == {"enumeration"}


class TestTypeRules:
    def test_location_needs_a_place(self, validator: Validator) -> None:
        """A location with only a name is refused; latitude needs longitude."""
        base = {
            **IDENTITY,
            "type": "location",
            "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64",
        }
        base.pop("identity_class")
        assert only(validator, base) == {"required"}
        assert only(validator, obj(base, latitude=10.0, longitude=200)) == {"range"}
        assert only(validator, obj(base, region="europe", latitude=1.0)) == {"required"}

    def test_malware_family_needs_a_name(self, validator: Validator) -> None:
        """is_family true without name breaks section 4.11."""
        o = {
            **IDENTITY,
            "type": "malware",
            "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "is_family": True,
        }
        o.pop("name")
        o.pop("identity_class")
        assert only(validator, o) == {"required"}

    def test_observed_data_needs_exactly_one_content(self, validator: Validator) -> None:
        """observed-data with neither object_refs nor objects is refused."""
        o = {
            **IDENTITY,
            "type": "observed-data",
            "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            "first_observed": "2024-01-01T00:00:00Z",
            "last_observed": "2024-01-01T00:00:00Z",
            "number_observed": 1,
        }
        o.pop("name")
        o.pop("identity_class")
        assert only(validator, o) == {"observed-data-content"}
        assert only(validator, obj(o, object_refs=[IDENTITY["id"]])) == {"reference-type"}
        assert only(validator, obj(o, object_refs=[IPV4["id"]])) == set()

    def test_relationship_cannot_join_sros(self, validator: Validator) -> None:
        """A relationship whose source is another relationship is refused."""
        o = {
            **IDENTITY,
            "type": "relationship",
            "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
            "relationship_type": "indicates",
            "source_ref": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fae",
            "target_ref": INDICATOR["id"],
        }
        o.pop("name")
        o.pop("identity_class")
        assert only(validator, o) == {"reference-type"}
        assert only(validator, obj(o, relationship_type="Indicates")) == {
            "reference-type",
            "format",
        }

    def test_network_traffic_needs_an_end_point(self, validator: Validator) -> None:
        """network-traffic without src_ref and dst_ref breaks section 6.12."""
        o = {
            "type": "network-traffic",
            "id": "network-traffic--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "protocols": ["tcp"],
        }
        assert only(validator, o) == {"required"}

    def test_artifact_needs_one_payload(self, validator: Validator) -> None:
        """An artifact with url but no hashes breaks section 6.1."""
        o = {
            "type": "artifact",
            "id": "artifact--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "url": "https://example.com/a",
        }
        assert only(validator, o) == {"required"}

    def test_email_multipart_body(self, validator: Validator) -> None:
        """A multipart message must not have body."""
        o = {
            "type": "email-message",
            "id": "email-message--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "is_multipart": True,
            "body": "hello",
        }
        assert only(validator, o) == {"email-body"}

    def test_ipv4_value_format(self, validator: Validator) -> None:
        """An ipv4-addr value must be an IPv4 address or CIDR block."""
        assert only(validator, obj(IPV4, value="999.1.1.1")) == {"format"}
        assert only(validator, obj(IPV4, value="10.0.0.0/33")) == {"format"}

    def test_registry_hive_must_be_expanded(self, validator: Validator) -> None:
        """HKLM is a truncated hive name; section 6.17 requires the full one."""
        o = {
            "type": "windows-registry-key",
            "id": "windows-registry-key--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "key": "HKLM\\system",
        }
        assert only(validator, o) == {"registry-hive"}

    def test_sighting_where_sighted_refs(self, validator: Validator) -> None:
        """where_sighted_refs accept identities and locations, nothing else."""
        o = {
            **IDENTITY,
            "type": "sighting",
            "id": "sighting--c8f42c57-dbee-4212-aa70-db105c4c6e98",
            "sighting_of_ref": INDICATOR["id"],
            "where_sighted_refs": [
                IDENTITY["id"],
                "location--52295c3f-57e4-4317-9971-23fa7d702b9f",
            ],
        }
        o.pop("name")
        o.pop("identity_class")
        assert only(validator, o) == set()
        assert only(validator, obj(o, where_sighted_refs=[INDICATOR["id"]])) == {"reference-type"}

    def test_indicator_pattern_is_parsed(self, validator: Validator) -> None:
        """A stix pattern that does not parse is an error at $.pattern."""
        findings = validator.validate_object(obj(INDICATOR, pattern="[domain-name:value = ]"))
        assert [(f.code, f.path) for f in errors(findings)] == [("pattern", "$.pattern")]

    def test_other_pattern_types_are_not_parsed(self, validator: Validator) -> None:
        """A yara pattern is not checked against the STIX grammar."""
        assert only(validator, obj(INDICATOR, pattern="rule x {}", pattern_type="yara")) == set()


class TestMarkings:
    def test_tlp1_marking_definitions_are_valid(self, validator: Validator) -> None:
        """The fixed TLP:GREEN object is valid."""
        assert only(validator, TLP_GREEN) == set()

    def test_tlp_with_random_id_is_refused(self, validator: Validator) -> None:
        """A tlp marking-definition with a new id breaks section 7.2.1.4."""
        o = obj(TLP_GREEN, id="marking-definition--0d8f6f1e-9c0f-4a51-8a43-5b4c3b6c2d10")
        assert only(validator, o) == {"tlp-marking"}

    def test_marking_definitions_are_not_versioned(self, validator: Validator) -> None:
        """modified on a marking-definition is refused."""
        assert "marking-versioning" in only(
            validator, obj(TLP_GREEN, modified="2017-01-20T00:00:00.000Z")
        )

    def test_tlp2_marking_is_recognised(self, validator: Validator) -> None:
        """The TLP 2.0 AMBER object, carried by its extension, is valid."""
        assert validator.validate_object(TLP2_AMBER) == []

    def test_tlp2_marking_with_wrong_level_is_refused(self, validator: Validator) -> None:
        """A TLP 2.0 object whose tlp_2_0 does not match its fixed id is refused."""
        ext = {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": "red",
            }
        }
        assert only(validator, obj(TLP2_AMBER, extensions=ext)) == {"tlp-marking"}

    def test_marking_needs_a_definition(self, validator: Validator) -> None:
        """A marking-definition with neither definition nor extensions is refused."""
        o = obj(
            TLP_GREEN,
            id="marking-definition--336abc15-1c2a-423c-a7dd-5a821abd96c2",
            definition_type=...,
            definition=...,
            name="x",
        )
        assert only(validator, o) == {"marking-definition"}

    def test_granular_marking_with_lang_only_is_valid(self, validator: Validator) -> None:
        """A granular marking carrying only lang is valid (section 7.2.3)."""
        o = obj(INDICATOR, granular_markings=[{"lang": "de", "selectors": ["name"]}])
        assert only(validator, o) == set()

    def test_granular_marking_needs_exactly_one_of_ref_or_lang(self, validator: Validator) -> None:
        """Both marking_ref and lang in one granular marking is refused."""
        o = obj(
            INDICATOR,
            granular_markings=[
                {"lang": "de", "marking_ref": TLP_GREEN["id"], "selectors": ["name"]}
            ],
        )
        assert only(validator, o) == {"granular-marking"}

    def test_selectors_must_resolve(self, validator: Validator) -> None:
        """A selector naming a missing property or a list index past the end is refused."""
        good = obj(
            INDICATOR,
            granular_markings=[
                {"marking_ref": TLP_GREEN["id"], "selectors": ["indicator_types.[0]"]}
            ],
        )
        assert only(validator, good) == set()
        for selector in ("description", "indicator_types.[1]", "[0]", "name.*"):
            bad = obj(
                INDICATOR,
                granular_markings=[{"marking_ref": TLP_GREEN["id"], "selectors": [selector]}],
            )
            assert only(validator, bad) == {"selector"}, selector

    def test_object_marking_refs_must_be_markings(self, validator: Validator) -> None:
        """object_marking_refs naming an indicator is refused."""
        assert only(validator, obj(IDENTITY, object_marking_refs=[INDICATOR["id"]])) == {
            "reference-type"
        }

    def test_marking_must_not_mark_itself(self, validator: Validator) -> None:
        """A marking-definition listing itself in object_marking_refs is refused."""
        assert only(validator, obj(TLP_GREEN, object_marking_refs=[TLP_GREEN["id"]])) == {
            "marking-circular"
        }


class TestExtensionsAndCustomContent:
    def test_custom_property_is_a_warning_by_default(self, validator: Validator) -> None:
        """x_foo on an indicator is tolerated with a custom-property warning."""
        findings = validator.validate_object(obj(INDICATOR, x_foo="bar"))
        assert [(f.code, f.severity) for f in findings] == [("custom-property", "warning")]

    def test_custom_property_is_an_error_when_strict(self, strict_validator: Validator) -> None:
        """With strict, custom properties are refused."""
        findings = strict_validator.validate_object(obj(INDICATOR, x_foo="bar"))
        assert [(f.code, f.severity) for f in findings] == [("custom-property", "error")]

    def test_badly_named_custom_property_is_an_error(self, validator: Validator) -> None:
        """A property name with '!' or of two characters breaks section 3.1."""
        assert only(validator, {**INDICATOR, "my_prop!": 1}) == {"property-name"}
        assert only(validator, {**INDICATOR, "mp": 1}) == {"property-name"}

    def test_custom_object_is_a_warning(self, validator: Validator) -> None:
        """An x- custom object type is tolerated with a warning."""
        o = {
            **IDENTITY,
            "type": "x-acme-thing",
            "id": "x-acme-thing--4527e5de-8572-446a-a57a-706f15467461",
        }
        assert codes(validator.validate_object(o)) == {"custom-object"}

    def test_custom_object_still_needs_created(self, validator: Validator) -> None:
        """A custom object without created is refused."""
        o = {
            **IDENTITY,
            "type": "x-acme-thing",
            "id": "x-acme-thing--4527e5de-8572-446a-a57a-706f15467461",
        }
        assert only(validator, obj(o, created=...)) == {"required"}

    def test_extension_defined_type_is_not_custom(self, validator: Validator) -> None:
        """An object of a new-sdo extension type gets no custom warning."""
        o = {
            **IDENTITY,
            "type": "my-favorite-sdo",
            "id": "my-favorite-sdo--64b8f076-a336-4d08-a0a3-fa6bd4ccc7c6",
            "some_property": 1,
            "extensions": {
                "extension-definition--04b2d3ef-d061-4912-ab77-6bbe807a5bd5": {
                    "extension_type": "new-sdo"
                }
            },
        }
        assert validator.validate_object(o) == []

    def test_extension_type_must_be_known(self, validator: Validator) -> None:
        """An extension entry with an unknown extension_type is refused."""
        ext = {
            "extension-definition--04b2d3ef-d061-4912-ab77-6bbe807a5bd5": {
                "extension_type": "something"
            }
        }
        assert only(validator, obj(INDICATOR, extensions=ext)) == {"enumeration"}

    def test_extension_entry_needs_extension_type(self, validator: Validator) -> None:
        """An extension-definition entry without extension_type is refused."""
        ext = {"extension-definition--04b2d3ef-d061-4912-ab77-6bbe807a5bd5": {"x": 1}}
        assert only(validator, obj(INDICATOR, extensions=ext)) == {"required"}

    def test_predefined_sco_extension_is_checked(self, validator: Validator) -> None:
        """An empty ntfs-ext and an unknown socket address family are refused."""
        base = {"type": "file", "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4", "name": "a"}
        assert only(validator, obj(base, extensions={"ntfs-ext": {}})) == {"empty-object"}
        nt = {
            "type": "network-traffic",
            "id": "network-traffic--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "protocols": ["tcp"],
            "src_ref": IPV4["id"],
            "extensions": {"socket-ext": {"address_family": "AF_FOO"}},
        }
        assert only(validator, nt) == {"enumeration"}

    def test_bad_extension_key_on_file_is_an_error(self, validator: Validator) -> None:
        """A file extension key that is neither predefined nor an extension id is refused."""
        base = {"type": "file", "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4", "name": "a"}
        assert only(validator, obj(base, extensions={"x-foobar": {"a": 1}})) == {"extension-key"}

    def test_deprecated_custom_extension_is_a_warning(self, validator: Validator) -> None:
        """An x-...-ext extension on an SCO is tolerated with a warning."""
        base = {"type": "file", "id": "file--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4", "name": "a"}
        findings = validator.validate_object(obj(base, extensions={"x-foo-ext": {"a": 1}}))
        assert codes(findings, "error") == set()
        assert "custom-extension" in codes(findings, "warning")

    def test_extension_properties_only_for_toplevel(self, validator: Validator) -> None:
        """extension_properties on a property-extension definition is refused."""
        o = {
            **IDENTITY,
            "type": "extension-definition",
            "id": "extension-definition--04b2d3ef-d061-4912-ab77-6bbe807a5bd5",
            "created_by_ref": IDENTITY["id"],
            "schema": "https://example.com/s",
            "version": "1.0.0",
            "extension_types": ["property-extension"],
            "extension_properties": ["x_y"],
        }
        o.pop("identity_class")
        assert only(validator, o) == {"extension-properties"}
