"""TLP 1.0 and 2.0 on one scale: levels, fixed marking-definitions, an object's TLP."""

import pytest

from stixhub.stix.markings import (
    TLP_LEVELS,
    UnknownTlp,
    is_tlp_marking,
    marking_id_for_tag,
    parse_tlp,
    tlp_marking,
    tlp_marking_id,
    tlp_of,
    tlp_of_definition,
    tlp_rank,
)
from stixhub.stix.validation import Validator
from stixhub.stix.validation._vocab import TLP1_MARKINGS, TLP2_MARKINGS

TLP1_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
TLP2_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
TLP2_CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"


class TestLevels:
    """Names of levels as people write them map onto one ordered scale."""

    @pytest.mark.parametrize(
        ("text", "level"),
        [
            ("clear", "clear"),
            ("white", "clear"),
            ("TLP:WHITE", "clear"),
            ("tlp:green", "green"),
            (" Amber ", "amber"),
            ("TLP:AMBER+STRICT", "amber+strict"),
            ("red", "red"),
        ],
    )
    def test_parse(self, text: str, level: str) -> None:
        """TLP 1.0 and 2.0 spellings, with or without the tlp: prefix, give the level."""
        assert parse_tlp(text) == level

    @pytest.mark.parametrize("text", ["", "tlp:", "orange", "amber-strict", "tlp:amber strict"])
    def test_parse_refuses_other_words(self, text: str) -> None:
        """A word that is no TLP level is a typed error naming it."""
        with pytest.raises(UnknownTlp, match="no TLP level"):
            parse_tlp(text)

    def test_order(self) -> None:
        """clear < green < amber < amber+strict < red."""
        ranks = [tlp_rank(level) for level in TLP_LEVELS]
        assert ranks == sorted(ranks) == list(range(5))
        assert TLP_LEVELS == ("clear", "green", "amber", "amber+strict", "red")


class TestFixedDefinitions:
    """The standard marking-definition objects are built exactly as the standards fix them."""

    @pytest.mark.parametrize("level", TLP_LEVELS)
    def test_tlp2_objects_are_valid(self, level: str) -> None:
        """Each TLP 2.0 object passes the validator and names its level."""
        obj = tlp_marking(level, "2.0")  # type: ignore[arg-type]
        assert [f for f in Validator().validate_object(obj) if f.severity == "error"] == []
        assert obj["id"] in TLP2_MARKINGS
        assert tlp_of_definition(obj) == level

    @pytest.mark.parametrize("level", ["clear", "green", "amber", "red"])
    def test_tlp1_objects_are_valid(self, level: str) -> None:
        """Each TLP 1.0 object passes the validator; clear is TLP:WHITE there."""
        obj = tlp_marking(level, "1.0")  # type: ignore[arg-type]
        assert [f for f in Validator().validate_object(obj) if f.severity == "error"] == []
        assert obj["id"] in TLP1_MARKINGS
        assert tlp_of_definition(obj) == level
        if level == "clear":
            assert obj["id"] == TLP1_WHITE
            assert obj["name"] == "TLP:WHITE"

    def test_amber_strict_has_no_tlp1_form(self) -> None:
        """Asking TLP 1.0 for amber+strict is an error, never a widening to amber."""
        with pytest.raises(UnknownTlp, match=r"TLP 1\.0 has no level"):
            tlp_marking_id("amber+strict", "1.0")

    def test_ids(self) -> None:
        """The nine fixed ids are known as TLP markings; other ids are not."""
        assert tlp_marking_id("amber+strict") == TLP2_AMBER_STRICT
        assert tlp_marking_id("green", "1.0") == TLP1_GREEN
        assert all(is_tlp_marking(m) for m in [*TLP1_MARKINGS, *TLP2_MARKINGS])
        assert not is_tlp_marking("marking-definition--00000000-0000-4000-8000-000000000000")


class TestTlpOf:
    """An object's TLP is the most restrictive level of all the markings it references."""

    def test_no_markings(self) -> None:
        """An object without TLP markings has no TLP (None), not clear."""
        assert tlp_of({"type": "indicator"}) is None
        statement = "marking-definition--00000000-0000-4000-8000-000000000001"
        assert tlp_of({"object_marking_refs": [statement]}) is None

    def test_mixed_versions_take_the_strictest(self) -> None:
        """A TLP 1.0 green and a TLP 2.0 amber+strict together give amber+strict."""
        obj = {"object_marking_refs": [TLP1_GREEN, TLP2_AMBER_STRICT, TLP2_CLEAR]}
        assert tlp_of(obj) == "amber+strict"

    def test_granular_markings_count(self) -> None:
        """A red granular marking on one property makes the object red."""
        obj = {
            "object_marking_refs": [TLP1_WHITE],
            "granular_markings": [{"marking_ref": TLP1_RED, "selectors": ["description"]}],
        }
        assert tlp_of(obj) == "red"

    def test_definitions_with_other_ids(self) -> None:
        """A TLP definition under a non-standard id is read from the definitions given."""
        odd = "marking-definition--11111111-1111-4111-8111-111111111111"
        definition = {"id": odd, "definition_type": "tlp", "definition": {"tlp": "RED"}}
        assert tlp_of({"object_marking_refs": [odd]}) is None
        assert tlp_of({"object_marking_refs": [odd]}, {odd: definition}) == "red"
        ext = {
            "id": odd,
            "extensions": {
                "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                    "extension_type": "property-extension",
                    "tlp_2_0": "amber+strict",
                }
            },
        }
        assert tlp_of({"object_marking_refs": [odd]}, {odd: ext}) == "amber+strict"

    def test_malformed_refs_are_ignored(self) -> None:
        """Non-string refs and malformed granular entries do not raise."""
        obj = {"object_marking_refs": [1, None, TLP1_GREEN], "granular_markings": [3, {}]}
        assert tlp_of(obj) == "green"
        assert tlp_of({"object_marking_refs": "x"}) is None


class TestTags:
    """tlp: tags become fixed marking ids: TLP 1.0 names to 1.0, TLP 2.0-only names to 2.0."""

    @pytest.mark.parametrize(
        ("tag", "marking"),
        [
            ("tlp:white", TLP1_WHITE),
            ("TLP:GREEN", TLP1_GREEN),
            ("tlp:red", TLP1_RED),
            ("tlp:clear", TLP2_CLEAR),
            ("tlp:amber+strict", TLP2_AMBER_STRICT),
        ],
    )
    def test_tags(self, tag: str, marking: str) -> None:
        """Each tag gives the marking of its name's TLP version."""
        assert marking_id_for_tag(tag) == marking

    def test_unknown_tag(self) -> None:
        """A tag that names no level is a typed error."""
        with pytest.raises(UnknownTlp):
            marking_id_for_tag("tlp:ex:chr")
