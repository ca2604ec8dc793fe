"""Selection: only indicators in force, filtered, each skip counted under its reason."""

from typing import Any

import pytest

from stixhub.export import Filters, select
from tests.export._helpers import NOW, TLP2_GREEN, indicator, selection_of

TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TLP2_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
P = "[ipv4-addr:value = '203.0.113.5']"


def ids(**filters: Any) -> tuple[list[int], dict[str, int]]:
    """The numbers of the selected indicators of ``SAMPLE`` and the skip counts."""
    s = selection_of(*SAMPLE, **filters)
    return sorted(int(x.name.split()[1]) for x in s.indicators), dict(s.skipped)


SAMPLE = [
    indicator(P, 1, confidence=90, object_marking_refs=[TLP2_GREEN], labels=["c2"]),
    indicator(P, 2, confidence=40, object_marking_refs=[TLP1_AMBER]),
    indicator(P, 3, object_marking_refs=[TLP2_AMBER_STRICT], modified="2024-05-01T00:00:00Z"),
    indicator(P, 4, object_marking_refs=[TLP1_WHITE], labels=["c2", "apt"]),
    indicator(P, 5),  # no TLP
    indicator("[domain-name:value = 'x.example']", 6, object_marking_refs=[TLP1_WHITE]),
]


class TestActive:
    """Only the latest version, not revoked, inside its validity window."""

    def test_states(self) -> None:
        """Revoked, expired, future and broken indicators are counted, not exported."""
        objs = [
            indicator(P, 1),
            indicator(P, 2, revoked=True),
            indicator(P, 3, valid_until="2024-05-01T00:00:00Z"),
            indicator(P, 4, valid_from="2025-01-01T00:00:00Z"),
            indicator("[ipv4-addr:value = ", 5),
            indicator(P, 6, pattern_type="sigma"),
        ]
        s = selection_of(*objs)
        assert [x.name for x in s.indicators] == ["indicator 1"]
        assert s.skipped == {
            "revoked": 1,
            "not valid now": 2,
            "pattern does not parse": 1,
            "pattern_type is not stix": 1,
        }

    def test_latest_version_decides(self) -> None:
        """A newer revoked version hides the older active one."""
        old = indicator(P, 1)
        new = {**old, "modified": "2024-02-01T00:00:00.000Z", "revoked": True}
        assert selection_of(old, new).indicators == []

    def test_stix_20_indicator(self) -> None:
        """An indicator without spec_version is read as STIX 2.0 and exported."""
        ind = indicator(P, 1)
        del ind["spec_version"]
        del ind["pattern_type"]
        assert len(selection_of(ind).indicators) == 1


class TestFilters:
    """--max-tlp, --min-confidence, --label, --since, --type."""

    def test_max_tlp_mixes_versions(self) -> None:
        """TLP 1.0 and 2.0 on one scale; unmarked counts as red."""
        assert ids(max_tlp="clear") == ([4, 6], {"TLP above the maximum": 3, "no TLP marking": 1})
        assert ids(max_tlp="green")[0] == [1, 4, 6]
        assert ids(max_tlp="amber")[0] == [1, 2, 4, 6]
        assert ids(max_tlp="amber+strict")[0] == [1, 2, 3, 4, 6]
        assert ids(max_tlp="red")[0] == [1, 2, 3, 4, 5, 6]

    def test_confidence(self) -> None:
        """A floor drops lower and unknown confidence."""
        assert ids(min_confidence=50) == ([1], {"below the minimum confidence": 5})

    def test_labels(self) -> None:
        """Every label asked for must be there."""
        assert ids(labels=("c2",))[0] == [1, 4]
        assert ids(labels=("c2", "apt"))[0] == [4]

    def test_since(self) -> None:
        """--since keeps versions modified at or after it."""
        assert ids(since="2024-05-01T00:00:00Z") == ([3], {"not modified since": 5})

    def test_type(self) -> None:
        """--type keeps indicators naming that observable type."""
        assert ids(types=("domain-name",)) == ([6], {"observable type not selected": 5})

    def test_marking_definitions_of_the_source_are_read(self) -> None:
        """A TLP definition under another id, held by the source, is understood."""
        odd = "marking-definition--11111111-1111-4111-8111-111111111111"
        definition = {
            "type": "marking-definition",
            "id": odd,
            "definition_type": "tlp",
            "definition": {"tlp": "red"},
        }
        objs = [definition, indicator(P, 1, object_marking_refs=[odd])]
        assert select(objs, Filters(at=NOW, max_tlp="amber")).skipped == {
            "TLP above the maximum": 1
        }

    @pytest.mark.parametrize("at", [None, NOW])
    def test_default_time_is_now(self, at: str | None) -> None:
        """Without ``at`` the moment is now; an indicator valid since 2024 is active."""
        assert len(select([indicator(P, 1)], Filters(at=at)).indicators) == 1
