"""Property tests: any mutation of a valid object that breaks a MUST rule is reported with
the code of that rule, and no input makes the validator raise."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stixhub.stix.validation import Validator

from .conftest import EXTENSION_DEFINITION, IDENTITY, INDICATOR, IPV4, codes, obj

_VALIDATOR = Validator()

RELATIONSHIP = {
    "type": "relationship",
    "spec_version": "2.1",
    "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
    "created": "2024-03-01T10:00:00.000Z",
    "modified": "2024-03-01T10:00:00.000Z",
    "relationship_type": "indicates",
    "source_ref": INDICATOR["id"],
    "target_ref": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
}
STATEMENT = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168",
    "created": "2017-06-01T00:00:00.000Z",
    "definition_type": "statement",
    "definition": {"statement": "Copyright 2017, The MITRE Corporation"},
}
# Each base with the properties the spec requires of its type (sections 3.2, 4-7).
REQUIRED: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "identity (SDO)": (IDENTITY, ("type", "id", "spec_version", "created", "modified", "name")),
    "indicator (SDO)": (
        INDICATOR,
        (
            "type",
            "id",
            "spec_version",
            "created",
            "modified",
            "pattern",
            "pattern_type",
            "valid_from",
        ),
    ),
    "ipv4-addr (SCO)": (IPV4, ("type", "id", "value")),
    "relationship (SRO)": (
        RELATIONSHIP,
        (
            "type",
            "id",
            "spec_version",
            "created",
            "modified",
            "relationship_type",
            "source_ref",
            "target_ref",
        ),
    ),
    "extension-definition (meta)": (
        EXTENSION_DEFINITION,
        (
            "type",
            "id",
            "spec_version",
            "created",
            "modified",
            "created_by_ref",
            "name",
            "schema",
            "version",
            "extension_types",
        ),
    ),
    "marking-definition (meta)": (STATEMENT, ("type", "id", "spec_version", "created")),
}
BASES = {name: base for name, (base, _) in REQUIRED.items()}
ALL = frozenset(BASES)
SDOS = frozenset({"identity (SDO)", "indicator (SDO)"})
VERSIONED = ALL - {"ipv4-addr (SCO)", "marking-definition (meta)"}
NOT_MARKING = ALL - {"marking-definition (meta)"}

# (property, new value, expected error code, the bases the mutation applies to)
MUTATIONS: list[tuple[str, Any, str, frozenset[str]]] = [
    ("name", ..., "required", frozenset({"identity (SDO)"})),
    ("created", "2024-13-01T00:00:00.000Z", "timestamp", ALL),
    ("created", "2024-03-01T10:00:00Z", "timestamp-precision", ALL),
    ("modified", "2023-01-01T00:00:00.000Z", "timestamp-order", VERSIONED),
    ("id", "campaign--9df314c4-db53-4a8f-b81d-6bc76ad25ec9", "id-type", ALL),
    ("confidence", 101, "range", NOT_MARKING),
    ("confidence", -1, "range", NOT_MARKING),
    ("labels", [], "empty-list", NOT_MARKING),
    ("external_references", [{"source_name": "x"}], "external-reference", ALL),
    (
        "external_references",
        [{"source_name": "x", "external_id": "1", "hashes": {"é": "a"}}],
        "hash-name",
        ALL,
    ),
    ("lang", "not a tag", "language", NOT_MARKING),
    ("spec_version", "2.2", "spec-version", ALL),
    ("revoked", "yes", "type", VERSIONED),
    ("modified", "2024-03-01T00:00:00.000Z", "marking-versioning", ALL - NOT_MARKING),
    ("object_marking_refs", [IDENTITY["id"]], "reference-type", ALL),
    ("severity", "high", "reserved-property", ALL),
    ("x_big", 2**60, "range", ALL),
    ("x_nested", {"a": [{"b": -(2**60)}]}, "range", ALL),
    ("defanged", True, "defanged", SDOS),
    ("value", "999.1.1.1", "format", frozenset({"ipv4-addr (SCO)"})),
    (
        "source_ref",
        "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
        "reference-type",
        frozenset({"relationship (SRO)"}),
    ),
    ("extension_types", ["new-thing"], "enumeration", frozenset({"extension-definition (meta)"})),
]
CASES = [(name, m) for m in MUTATIONS for name in sorted(m[3])]


@settings(max_examples=200, deadline=None)
@given(case=st.sampled_from(CASES))
def test_breaking_a_must_rule_is_reported_with_its_code(
    case: tuple[str, tuple[str, Any, str, frozenset[str]]],
) -> None:
    """Each MUST-breaking mutation of a valid SDO, SCO, SRO or meta object yields an error
    with the rule's code."""
    name, (key, value, code, _) = case
    assert _VALIDATOR.validate_object(BASES[name]) == [], name
    found = codes(_VALIDATOR.validate_object(obj(BASES[name], **{key: value})), "error")
    assert code in found, (name, key, found)


def test_every_mutation_applies_somewhere() -> None:
    """The mutation table has no entry that no base exercises."""
    assert all(m[3] for m in MUTATIONS)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(REQUIRED)))
def test_dropping_any_required_property_gives_required(data: st.DataObject, name: str) -> None:
    """Removing any property the spec requires of a type is a required error at its path."""
    base, required = REQUIRED[name]
    key = data.draw(st.sampled_from(required))
    findings = _VALIDATOR.validate_object(obj(base, **{key: ...}))
    assert ("required", f"$.{key}") in {(f.code, f.path) for f in findings if f.severity == "error"}


def test_required_lists_name_real_properties() -> None:
    """Every required property listed for a base is present in that valid base."""
    for name, (base, required) in REQUIRED.items():
        assert set(required) <= set(base), name


@settings(max_examples=60, deadline=None)
@given(
    key=st.text(
        alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x2FF), min_size=1, max_size=5
    )
)
def test_non_ascii_dictionary_key_is_reported(key: str) -> None:
    """A non-ASCII key in any dictionary property is a dictionary-key error."""
    o = {
        "type": "process",
        "id": "process--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
        "environment_variables": {key: "x"},
    }
    assert "dictionary-key" in codes(_VALIDATOR.validate_object(o), "error")


@settings(max_examples=60, deadline=None)
@given(value=st.integers(min_value=-(2**60), max_value=2**60))
def test_number_observed_range(value: int) -> None:
    """number_observed outside 1-999,999,999 is an error, inside it is not."""
    o = {
        **IDENTITY,
        "type": "observed-data",
        "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
        "first_observed": "2024-01-01T00:00:00Z",
        "last_observed": "2024-01-01T00:00:00Z",
        "number_observed": value,
        "object_refs": [IPV4["id"]],
    }
    del o["name"], o["identity_class"]
    found = "range" in codes(_VALIDATOR.validate_object(o), "error")
    assert found is not (1 <= value <= 999_999_999)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(
    base=st.sampled_from([IDENTITY, INDICATOR, IPV4]),
    key=st.sampled_from(
        [
            "id",
            "type",
            "created",
            "modified",
            "extensions",
            "granular_markings",
            "external_references",
            "object_marking_refs",
            "labels",
            "pattern",
            "value",
            "hashes",
            "x_custom",
            "kill_chain_phases",
        ]
    ),
    value=_JSON,
)
def test_any_value_in_any_property_never_raises(base: dict[str, Any], key: str, value: Any) -> None:
    """Replacing a property with arbitrary JSON gives findings, never an exception."""
    report = _VALIDATOR.validate_document(obj(base, **{key: value}))
    assert isinstance(report.valid, bool)
