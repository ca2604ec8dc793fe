"""Malformed parameters and the error resource (TAXII 2.1 sections 3.4, 3.4.1, 3.6, 3.6.1)."""

import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from stixhub.taxii.server import TAXII_21
from tests.taxii.server.conftest import INTEL, Hub, indicator

OID = str(indicator(1)["id"])
TS = "2024-03-01T10:00:00.000Z"
PAGED = [
    f"/api1/collections/{INTEL}/objects/",
    f"/api1/collections/{INTEL}/manifest/",
    f"/api1/collections/{INTEL}/objects/{OID}/",
    f"/api1/collections/{INTEL}/objects/{OID}/versions/",
]


def get_query(hub: Hub, path: str, query: list[tuple[str, str]]) -> Any:
    """GET with an exact query string (repeated parameters kept)."""
    return hub.client.get(f"{path}?{urlencode(query)}", headers=hub.headers["admin"])


def assert_error(r: Any, status: int) -> None:
    """The response is ``status`` with a well-formed TAXII error body (section 3.6.1)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == TAXII_21
    body = r.json()
    assert isinstance(body, dict)
    assert isinstance(body["title"], str)
    assert body["title"]
    for key in ("description", "error_id", "error_code", "external_details"):
        assert isinstance(body.get(key, ""), str)
    assert isinstance(body.get("details", {}), dict)
    assert body.get("http_status", str(status)) == str(status)


@pytest.fixture
def stocked(hub: Hub) -> Hub:
    """The hub with two versions of one indicator in INTEL."""
    hub.post_objects([indicator(1), indicator(1, modified="2024-03-02T00:00:00.000Z")])
    return hub


class TestMalformedParameters:
    """3.4: any malformed query parameter gives 400."""

    @pytest.mark.parametrize("path", PAGED)
    @pytest.mark.parametrize(
        "query",
        [
            [("added_after", TS), ("added_after", TS)],
            [("added_after", "yesterday")],
            [("added_after", "2024-03-01")],
            [("added_after", "2024-13-01T00:00:00Z")],
            [("added_after", "2024-02-30T00:00:00Z")],
            [("added_after", "2024-03-01T25:00:00Z")],
            [("added_after", "2024-03-01T10:00:00")],
            [("added_after", "")],
            [("limit", "0")],
            [("limit", "-1")],
            [("limit", "abc")],
            [("limit", "1.5")],
            [("limit", "")],
            [("limit", "2"), ("limit", "3")],
            [("next", "")],
            [("next", "abc"), ("next", "abc")],
            [("match[spec_version]", "two")],
            [("match[spec_version]", "2.1"), ("match[spec_version]", "2.0")],
        ],
        ids=lambda q: "&".join(f"{k}={v}" for k, v in q) or "empty",
    )
    def test_malformed_common_parameters(
        self, stocked: Hub, path: str, query: list[tuple[str, str]]
    ) -> None:
        """3.4: repeated or malformed added_after, limit, next, spec_version give 400."""
        assert_error(get_query(stocked, path, query), 400)

    @pytest.mark.parametrize("path", [p for p in PAGED if not p.endswith("versions/")])
    @pytest.mark.parametrize(
        "value",
        [
            "all,last",
            "first,all",
            "all,all",
            "first,first",
            "last,last",
            f"{TS},{TS}",
            f"{TS},2024-03-01T10:00:00Z",
            "newest",
            "2024-03-01T10:00:00+01:00",
            "2024-03-01T10:00:00",
            "2024-03-01T10:00:00.1234567891Z",
            "first,,last",
            "",
        ],
    )
    def test_malformed_match_version(self, stocked: Hub, path: str, value: str) -> None:
        """3.4.1: all combined, repeated values or bad timestamps in match[version] give 400."""
        assert_error(get_query(stocked, path, [("match[version]", value)]), 400)

    @pytest.mark.parametrize("path", [p for p in PAGED if not p.endswith("versions/")])
    def test_repeated_match_version_parameter(self, stocked: Hub, path: str) -> None:
        """3.4.1: match[version] given twice gives 400."""
        query = [("match[version]", "first"), ("match[version]", "last")]
        assert_error(get_query(stocked, path, query), 400)

    @pytest.mark.parametrize("field", ["match[type]", "match[id]"])
    def test_repeated_match_field_on_objects(self, stocked: Hub, field: str) -> None:
        """3.4: a match field given twice on objects gives 400."""
        value = "indicator" if field == "match[type]" else OID
        for path in PAGED[:2]:
            assert_error(get_query(stocked, path, [(field, value), (field, value)]), 400)

    def test_empty_list_value_is_400(self, stocked: Hub) -> None:
        """3.4: a comma-separated list with an empty value is malformed: 400."""
        assert_error(get_query(stocked, PAGED[0], [("match[type]", "indicator,")]), 400)

    def test_400_body_names_no_data(self, stocked: Hub) -> None:
        """3.6: a 400 answer carries no objects."""
        r = get_query(stocked, PAGED[0], [("limit", "0")])
        assert "objects" not in r.json()

    def test_well_formed_parameters_are_accepted(self, stocked: Hub) -> None:
        """3.4: the same parameters, well formed, are accepted (the 400s are not blanket)."""
        query = [
            ("added_after", "2000-01-01T00:00:00Z"),
            ("limit", "5"),
            ("match[spec_version]", "2.1"),
            ("match[version]", f"first,last,{TS}"),
        ]
        for path in PAGED[:3]:
            assert get_query(stocked, path, query).status_code == 200


class TestErrorResource:
    """3.6.1: every error is an error resource whose http_status matches the status line."""

    @pytest.mark.parametrize(
        ("who", "method", "path", "status"),
        [
            ("admin", "GET", f"{PAGED[0]}?limit=0", 400),
            ("anonymous", "GET", PAGED[0], 401),
            ("writer", "GET", PAGED[0], 403),
            ("nobody", "GET", PAGED[0], 404),
            ("admin", "GET", "/api1/collections/missing/", 404),
            ("admin", "GET", "/api1/status/missing/", 404),
            ("admin", "PUT", PAGED[0], 405),
        ],
    )
    def test_error_body(self, hub: Hub, who: str, method: str, path: str, status: int) -> None:
        """3.6.1: the error body has a title and http_status equal to the status code (string)."""
        r = hub.client.request(method, path, headers=hub.headers[who])
        assert_error(r, status)
        assert r.json()["http_status"] == str(status)


class TestUnexpectedFailures:
    """A bug or an outage below the protocol layer is a TAXII 500, logged with its cause."""

    def test_unexpected_exception_is_a_logged_500_error_resource(
        self, hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        """3.6: the client gets an error resource without the cause; the log has the cause."""

        def broken(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(hub.store, "get_objects", broken)
        client = TestClient(
            hub.client.app, base_url="https://testserver", raise_server_exceptions=False
        )
        with caplog.at_level(logging.ERROR, logger="stixhub.taxii.server"):
            r = client.get(hub.url(rest="objects/"), headers=hub.headers["admin"])
        assert_error(r, 500)
        assert "disk on fire" not in r.text
        (record,) = [x for x in caplog.records if x.name == "stixhub.taxii.server"]
        assert record.exc_info is not None
        assert "disk on fire" in str(record.exc_info[1])
