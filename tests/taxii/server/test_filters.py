"""Filtering: added_after, match[id|type|version|spec_version] (TAXII 2.1 sections 3.4, 3.4.1)."""

from collections.abc import Callable
from typing import Any

import pytest

from stixhub.stix import format_taxii_timestamp
from tests.taxii.server.conftest import INTEL, Hub, indicator

T0 = 1_710_000_000_000_000
V1 = "2024-03-01T10:00:00.000Z"
V2 = "2024-03-02T10:00:00.000Z"
V3 = "2024-03-03T10:00:00.000Z"


def post_at(hub: Hub, micros: int, objects: list[dict[str, Any]]) -> None:
    """Post objects so that the first one gets date_added ``micros``."""
    hub.clock[0] = micros - 1
    r = hub.post_objects(objects)
    assert r.status_code == 202, r.text
    assert r.json()["failure_count"] == 0, r.text


def oid(n: int) -> str:
    return str(indicator(n)["id"])


def objects(hub: Hub, **params: str) -> list[dict[str, Any]]:
    """The objects of one GET …/objects/ page with the given query parameters."""
    r = hub.get(hub.url(rest="objects/"), params=params)
    assert r.status_code == 200, r.text
    return list(r.json().get("objects", []))


def versions_of(hub: Hub, **params: str) -> list[tuple[str, str]]:
    return [(o["id"], o["modified"]) for o in objects(hub, **params)]


def three_versions(hub: Hub) -> None:
    """Indicator 1 in versions V1, V2, V3 (added in that order) and indicator 2 in V1."""
    post_at(hub, T0, [indicator(1, modified=V1)])
    post_at(hub, T0 + 10, [indicator(1, modified=V2)])
    post_at(hub, T0 + 20, [indicator(1, modified=V3), indicator(2, modified=V1)])


def v20_indicator(n: int, modified: str) -> dict[str, Any]:
    """A STIX 2.0 version of indicator ``n`` (no spec_version, labels instead of types)."""
    obj = indicator(n, modified=modified, labels=["malicious-activity"])
    del obj["spec_version"]
    del obj["pattern_type"]
    return obj


class TestAddedAfter:
    """3.4: added_after filters on the server's date_added, exclusively."""

    def test_equal_date_added_is_not_returned(self, hub: Hub) -> None:
        """3.4: an object whose date_added equals added_after is not returned."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 1, [indicator(2)])
        got = objects(hub, added_after=format_taxii_timestamp(T0))
        assert [o["id"] for o in got] == [oid(2)]

    def test_without_added_after_starts_from_the_oldest(self, hub: Hub) -> None:
        """3.4: without added_after the results start from the oldest matching object."""
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 1, [indicator(2)])
        assert [o["id"] for o in objects(hub, limit="1")] == [oid(1)]

    def test_filters_on_date_added_not_modified(self, hub: Hub) -> None:
        """3.4: added_after compares date_added, never STIX created or modified."""
        post_at(hub, T0, [indicator(1, modified="2030-01-01T00:00:00.000Z")])
        later = format_taxii_timestamp(T0 + 1_000_000)
        assert objects(hub, added_after=later) == []

    @pytest.mark.parametrize(
        "spelling",
        [
            "2024-03-09T16:00:00Z",
            "2024-03-09T16:00:00.0Z",
            "2024-03-09T16:00:00.000Z",
            "2024-03-09T16:00:00.000000000Z",
            "2024-03-09T17:00:00+01:00",
            "2024-03-09t16:00:00z",
        ],
    )
    def test_any_rfc3339_precision_is_accepted(self, hub: Hub, spelling: str) -> None:
        """integrations 1 (item 6): added_after in any RFC 3339 precision or offset is accepted."""
        assert format_taxii_timestamp(T0) == "2024-03-09T16:00:00.000000Z"
        post_at(hub, T0, [indicator(1)])
        post_at(hub, T0 + 1, [indicator(2)])
        assert [o["id"] for o in objects(hub, added_after=spelling)] == [oid(2)]

    def test_microsecond_precision_is_kept(self, hub: Hub) -> None:
        """integrations 1 (item 6): added_after compares at microsecond precision."""
        post_at(hub, T0 + 5, [indicator(1)])
        got = objects(hub, added_after="2024-03-09T16:00:00.000004Z")
        assert [o["id"] for o in got] == [oid(1)]
        assert objects(hub, added_after="2024-03-09T16:00:00.000005Z") == []

    def test_added_after_last_header_resumes_exactly(self, hub: Hub) -> None:
        """3.5: added_after = the last X-TAXII-Date-Added-Last resumes without gaps or repeats."""
        post_at(hub, T0, [indicator(n) for n in range(1, 6)])
        r = hub.get(hub.url(rest="objects/"), params={"limit": "2"})
        seen = [o["id"] for o in r.json()["objects"]]
        while r.json().get("more"):
            last = r.headers["X-TAXII-Date-Added-Last"]
            r = hub.get(hub.url(rest="objects/"), params={"limit": "2", "added_after": last})
            seen += [o["id"] for o in r.json().get("objects", [])]
        assert seen == [oid(n) for n in range(1, 6)]


class TestMatchIdAndType:
    """3.4 / 3.4.1: match[id] and match[type]."""

    def test_match_id_selects_by_stix_id(self, hub: Hub) -> None:
        """3.4.1: match[id] returns only the named object."""
        post_at(hub, T0, [indicator(1), indicator(2), indicator(3)])
        assert [o["id"] for o in objects(hub, **{"match[id]": oid(2)})] == [oid(2)]

    def test_values_of_one_field_are_ored(self, hub: Hub) -> None:
        """3.4: comma-separated values of one match field are OR-ed."""
        post_at(hub, T0, [indicator(1), indicator(2), indicator(3)])
        got = objects(hub, **{"match[id]": f"{oid(1)},{oid(3)}"})
        assert [o["id"] for o in got] == [oid(1), oid(3)]

    def test_fields_are_anded(self, hub: Hub) -> None:
        """3.4: different match fields and added_after are AND-ed."""
        post_at(hub, T0, [indicator(1), indicator(2)])
        post_at(hub, T0 + 10, [indicator(3)])
        params = {
            "match[id]": f"{oid(1)},{oid(3)}",
            "match[type]": "indicator",
            "added_after": format_taxii_timestamp(T0 + 5),
        }
        assert [o["id"] for o in objects(hub, **params)] == [oid(3)]
        assert objects(hub, **{"match[id]": oid(1), "match[type]": "malware"}) == []

    def test_match_type_keeps_only_listed_types(self, hub: Hub) -> None:
        """3.4.1: match[type] allows only the listed types in the result."""
        sco = {
            "type": "domain-name",
            "spec_version": "2.1",
            "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
            "value": "example.com",
        }
        post_at(hub, T0, [indicator(1), sco])
        assert [o["type"] for o in objects(hub, **{"match[type]": "domain-name"})] == [
            "domain-name"
        ]
        both = objects(hub, **{"match[type]": "domain-name,indicator"})
        assert {o["type"] for o in both} == {"domain-name", "indicator"}

    @pytest.mark.parametrize("name", ["attack-pattern", "grouping", "x-acme-widget"])
    def test_type_not_stored_never_errors(self, hub: Hub, name: str) -> None:
        """3.4.1: match[type] with a STIX type (or custom type) not stored returns 200, empty."""
        post_at(hub, T0, [indicator(1)])
        assert objects(hub, **{"match[type]": name}) == []

    def test_unknown_match_field_is_ignored(self, hub: Hub) -> None:
        """3.4: an unknown match[<field>] is ignored (our choice), not a 400."""
        post_at(hub, T0, [indicator(1)])
        assert len(objects(hub, **{"match[confidence]": "90"})) == 1


class TestMatchVersion:
    """3.4.1: match[version] first, last, all and timestamps."""

    def test_default_is_last(self, hub: Hub) -> None:
        """3.4.1: without match[version] only the latest version of each object is returned."""
        three_versions(hub)
        assert versions_of(hub) == [(oid(1), V3), (oid(2), V1)]

    def test_last_is_by_modified_not_by_date_added(self, hub: Hub) -> None:
        """3.4.1: last is the newest modified, even when an older version was added later."""
        post_at(hub, T0, [indicator(1, modified=V3)])
        post_at(hub, T0 + 10, [indicator(1, modified=V1)])
        assert versions_of(hub, **{"match[version]": "last"}) == [(oid(1), V3)]

    def test_first(self, hub: Hub) -> None:
        """3.4.1: first returns the earliest version of each object."""
        three_versions(hub)
        assert versions_of(hub, **{"match[version]": "first"}) == [(oid(1), V1), (oid(2), V1)]

    def test_all(self, hub: Hub) -> None:
        """3.4.1: all returns every version, in date_added order."""
        three_versions(hub)
        assert versions_of(hub, **{"match[version]": "all"}) == [
            (oid(1), V1),
            (oid(1), V2),
            (oid(1), V3),
            (oid(2), V1),
        ]

    def test_first_and_last_are_ored(self, hub: Hub) -> None:
        """3.4.1: first,last returns both versions; a single-version object comes once."""
        three_versions(hub)
        assert versions_of(hub, **{"match[version]": "first,last"}) == [
            (oid(1), V1),
            (oid(1), V3),
            (oid(2), V1),
        ]

    def test_timestamp_selects_exact_version(self, hub: Hub) -> None:
        """3.4.1: a timestamp value returns the version whose modified equals it."""
        three_versions(hub)
        assert versions_of(hub, **{"match[version]": V2}) == [(oid(1), V2)]

    @pytest.mark.parametrize(
        "spelling",
        ["2024-03-02T10:00:00Z", "2024-03-02T10:00:00.0Z", "2024-03-02T10:00:00.000000Z"],
    )
    def test_timestamp_in_any_precision(self, hub: Hub, spelling: str) -> None:
        """3.4.1 (our choice): a version timestamp matches in any precision, as an instant."""
        three_versions(hub)
        assert versions_of(hub, **{"match[version]": spelling}) == [(oid(1), V2)]

    def test_stored_precision_finer_than_millis(self, hub: Hub) -> None:
        """3.4.1 (our choice): a microsecond modified is found by its six-digit spelling."""
        fine = "2024-03-05T10:00:00.123456Z"
        post_at(hub, T0, [indicator(1, modified=fine)])
        assert versions_of(hub, **{"match[version]": fine}) == [(oid(1), fine)]
        assert versions_of(hub, **{"match[version]": "2024-03-05T10:00:00.123Z"}) == []

    def test_timestamp_and_keyword_are_ored(self, hub: Hub) -> None:
        """3.4.1: a list mixing a timestamp and first returns both."""
        three_versions(hub)
        got = versions_of(hub, **{"match[version]": f"first,{V2}", "match[id]": oid(1)})
        assert got == [(oid(1), V1), (oid(1), V2)]

    def test_unmatched_timestamp_is_empty(self, hub: Hub) -> None:
        """3.4.1: a timestamp that is no version gives an empty envelope."""
        three_versions(hub)
        assert objects(hub, **{"match[version]": "2019-01-01T00:00:00Z"}) == []

    def test_added_after_with_last_uses_latest_overall(self, hub: Hub) -> None:
        """3.4.1 choice: last is the latest version overall, returned only if added after it."""
        post_at(hub, T0, [indicator(1, modified=V3)])
        post_at(hub, T0 + 10, [indicator(1, modified=V1)])
        cursor = format_taxii_timestamp(T0 + 5)
        assert objects(hub, added_after=cursor) == []
        assert versions_of(hub, added_after=format_taxii_timestamp(T0 - 1)) == [(oid(1), V3)]

    def test_added_after_with_last_returns_a_new_latest(self, hub: Hub) -> None:
        """3.4.1 project choice: a newer latest version added after the cursor is returned."""
        post_at(hub, T0, [indicator(1, modified=V1)])
        post_at(hub, T0 + 10, [indicator(1, modified=V2)])
        cursor = format_taxii_timestamp(T0 + 5)
        assert versions_of(hub, added_after=cursor) == [(oid(1), V2)]


class TestMatchSpecVersion:
    """3.4.1: match[spec_version] with an object held in 2.0 and 2.1 versions."""

    @pytest.fixture
    def hub(self, hub_factory: Callable[..., Hub]) -> Hub:
        """A hub that accepts STIX 2.0 content next to 2.1."""
        return hub_factory(accept_stix20=True)

    def _mixed(self, hub: Hub) -> None:
        # The 2.1 version is older (V1) than the 2.0 version (V2).
        post_at(hub, T0, [indicator(1, modified=V1)])
        post_at(hub, T0 + 10, [v20_indicator(1, V2)])

    def test_default_is_newest_spec_version_first(self, hub: Hub) -> None:
        """3.4.1 project choice: without filters, spec_version (2.1) wins before version (last)."""
        self._mixed(hub)
        got = objects(hub)
        assert [(o.get("spec_version"), o["modified"]) for o in got] == [("2.1", V1)]

    def test_only_listed_spec_versions(self, hub: Hub) -> None:
        """3.4.1: with match[spec_version]=2.0 no 2.1 object is returned."""
        self._mixed(hub)
        got = objects(hub, **{"match[spec_version]": "2.0"})
        assert [("spec_version" in o, o["modified"]) for o in got] == [(False, V2)]

    def test_both_spec_versions_then_last(self, hub: Hub) -> None:
        """3.4.1: with 2.0,2.1 listed, last is taken over both spec versions."""
        self._mixed(hub)
        got = objects(hub, **{"match[spec_version]": "2.0,2.1"})
        assert [o["modified"] for o in got] == [V2]

    def test_both_spec_versions_all(self, hub: Hub) -> None:
        """3.4.1: 2.0,2.1 with match[version]=all returns both versions."""
        self._mixed(hub)
        got = objects(hub, **{"match[spec_version]": "2.0,2.1", "match[version]": "all"})
        assert [o["modified"] for o in got] == [V1, V2]

    def test_all_without_spec_version_stays_in_newest_spec(self, hub: Hub) -> None:
        """3.4.1: match[version]=all without match[spec_version] only lists 2.1 versions."""
        self._mixed(hub)
        post_at(hub, T0 + 20, [indicator(1, modified=V3)])
        got = objects(hub, **{"match[version]": "all"})
        assert [o["modified"] for o in got] == [V1, V3]

    def test_spec_version_21_first(self, hub: Hub) -> None:
        """3.4.1: first within match[spec_version]=2.1 ignores the 2.0 versions."""
        post_at(hub, T0, [v20_indicator(1, V1)])
        post_at(hub, T0 + 10, [indicator(1, modified=V2)])
        post_at(hub, T0 + 20, [indicator(1, modified=V3)])
        got = objects(hub, **{"match[spec_version]": "2.1", "match[version]": "first"})
        assert [o["modified"] for o in got] == [V2]

    def test_unlisted_spec_version_returns_nothing(self, hub: Hub) -> None:
        """3.4.1: a spec version no object has gives an empty envelope, not an error."""
        self._mixed(hub)
        assert objects(hub, **{"match[spec_version]": "2.2"}) == []

    def test_manifest_follows_the_same_default(self, hub: Hub) -> None:
        """3.4.1 / 5.3: the manifest lists the 2.1 version by default for a mixed object."""
        self._mixed(hub)
        records = hub.get(hub.url(INTEL, "manifest/")).json()["objects"]
        assert [r["version"] for r in records] == [V1]

    def test_versions_endpoint_filters_spec_version(self, hub: Hub) -> None:
        """5.8: the versions endpoint honours match[spec_version]."""
        self._mixed(hub)
        r = hub.get(
            hub.url(rest=f"objects/{oid(1)}/versions/"), params={"match[spec_version]": "2.0"}
        )
        assert r.json()["versions"] == [V2]
