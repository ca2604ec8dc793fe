"""Property tests: any mutation of a valid object that breaks a MUST rule is reported with
the code of that rule, and no input makes the validator raise."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stixhub.stix.validation import Validator

from .conftest import IDENTITY, INDICATOR, IPV4, codes, obj

_VALIDATOR = Validator()
BASES = [IDENTITY, INDICATOR]

# (mutation, expected error code)
MUTATIONS: list[tuple[str, Any, str]] = [
    ("name", ..., "required"),
    ("created", "2024-13-01T00:00:00.000Z", "timestamp"),
    ("created", "2024-03-01T10:00:00Z", "timestamp-precision"),
    ("modified", "2023-01-01T00:00:00.000Z", "timestamp-order"),
    ("id", "campaign--9df314c4-db53-4a8f-b81d-6bc76ad25ec9", "id-type"),
    ("confidence", 101, "range"),
    ("confidence", -1, "range"),
    ("labels", [], "empty-list"),
    ("external_references", [{"source_name": "x", "hashes": {"é": "a"}}], "external-reference"),
    ("lang", "not a tag", "language"),
    ("spec_version", "2.2", "spec-version"),
    ("revoked", "yes", "type"),
    ("object_marking_refs", ["identity--98483cfe-1247-4697-9d60-30864a785265"], "reference-type"),
    ("severity", "high", "reserved-property"),
]


@settings(max_examples=60, deadline=None)
@given(base=st.sampled_from(BASES), mutation=st.sampled_from(MUTATIONS))
def test_breaking_a_must_rule_is_reported_with_its_code(
    base: dict[str, Any], mutation: tuple[str, Any, str]
) -> None:
    """Each MUST-breaking mutation of a valid SDO yields an error with the rule's code."""
    key, value, code = mutation
    if key == "name" and base is INDICATOR:
        key, code = "pattern", "required"
    assert code in codes(_VALIDATOR.validate_object(obj(base, **{key: value})), "error")


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
