"""Discovery (TAXII 2.1 sections 4.1, 8.2.1) and API root information (section 4.2)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from stixhub.taxii.server import TAXII_21
from tests.taxii.server.conftest import Hub


class TestDiscovery:
    """GET /taxii2/ answers with the discovery resource."""

    def test_discovery_lives_at_taxii2(self, hub: Hub) -> None:
        """8.2.1: discovery is served at /taxii2/ at the host root with 200 and the TAXII type."""
        r = hub.get("/taxii2/")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_21

    def test_title_is_present(self, hub: Hub) -> None:
        """4.1.1: the discovery resource carries its required title as a string."""
        body = hub.get("/taxii2/").json()
        assert isinstance(body["title"], str)
        assert body["title"]

    def test_at_least_one_api_root_is_listed(self, hub: Hub) -> None:
        """8.2.1: at least one API root exists and discovery lists it."""
        body = hub.get("/taxii2/").json()
        assert body["api_roots"], body

    def test_api_roots_are_absolute_https_urls_without_query(self, hub: Hub) -> None:
        """4.1.1: each api_roots entry is an absolute HTTPS URL with no query string."""
        for url in hub.get("/taxii2/").json()["api_roots"]:
            parts = urlsplit(url)
            assert parts.scheme == "https", url
            assert parts.netloc, url
            assert not parts.query, url
            assert not parts.path.startswith("//"), url

    def test_api_root_is_one_segment_under_the_base(self, hub: Hub) -> None:
        """integrations 1: each API root is one path segment under the base, with a slash."""
        assert hub.get("/taxii2/").json()["api_roots"] == ["https://testserver/api1/"]

    def test_listed_api_root_answers(self, hub: Hub) -> None:
        """4.1.1: an API root URL listed by discovery is a working API root."""
        url = hub.get("/taxii2/").json()["api_roots"][0]
        r = hub.get(urlsplit(url).path)
        assert r.status_code == 200, r.text
        assert "versions" in r.json()

    def test_default_is_one_of_the_api_roots(self, hub_factory: Callable[..., Hub]) -> None:
        """4.1.1: a configured default is one of the api_roots entries."""
        hub = hub_factory(default_api_root="api1")
        body = hub.get("/taxii2/").json()
        assert body["default"] in body["api_roots"]

    def test_no_default_unless_configured(self, hub: Hub) -> None:
        """4.1.1: default is optional and omitted when no default API root is configured."""
        assert "default" not in hub.get("/taxii2/").json()

    def test_public_base_url_is_used_for_api_roots(self, hub_factory: Callable[..., Hub]) -> None:
        """integrations 1: operators behind a proxy set public_base_url and discovery uses it."""
        hub = hub_factory(public_base_url="https://hub.example/")
        assert hub.get("/taxii2/").json()["api_roots"] == ["https://hub.example/api1/"]

    def test_plain_http_lists_paths_not_http_urls(self, hub_factory: Callable[..., Hub]) -> None:
        """4.1.1: over plain HTTP an api_roots entry is a path with one leading slash."""
        hub = hub_factory(base_url="http://testserver", default_api_root="api1")
        body = hub.get("/taxii2/").json()
        assert body["api_roots"] == ["/api1/"]
        assert body["default"] == "/api1/"
        assert hub.get(body["api_roots"][0]).status_code == 200

    def test_http_public_base_url_keeps_its_path(self, hub_factory: Callable[..., Hub]) -> None:
        """4.1.1: an http public_base_url with a path prefix gives paths under that prefix."""
        hub = hub_factory(public_base_url="http://hub.example/taxii")
        assert hub.get("/taxii2/").json()["api_roots"] == ["/taxii/api1/"]

    def test_anonymous_discovery_gets_401(self, hub: Hub) -> None:
        """4.1: discovery without credentials (not public) gets 401 with WWW-Authenticate."""
        r = hub.get("/taxii2/", "anonymous")
        assert r.status_code == 401, r.text
        assert "basic" in r.headers["www-authenticate"].lower()
        assert r.json()["http_status"] == "401"

    def test_public_discovery_answers_anonymously(self, hub_factory: Callable[..., Hub]) -> None:
        """4.1: with public_discovery on, an anonymous client reads discovery."""
        hub = hub_factory(public_discovery=True)
        assert hub.get("/taxii2/", "anonymous").status_code == 200

    def test_discovery_without_trailing_slash(self, hub: Hub) -> None:
        """integrations 1: /taxii2 without the trailing slash is served like /taxii2/."""
        r = hub.get("/taxii2")
        assert r.status_code == 200, r.text
        assert r.json()["title"]

    def test_discovery_with_wrong_accept_is_406(self, hub: Hub) -> None:
        """4.1: discovery asked for another media type answers 406 with an error body."""
        headers = {**hub.headers["admin"], "Accept": "application/xml"}
        r = hub.client.get("/taxii2/", headers=headers)
        assert r.status_code == 406
        assert r.json()["http_status"] == "406"


class TestApiRoot:
    """GET {api-root}/ answers with the API root resource."""

    def _root(self, hub: Hub, who: str = "admin") -> Any:
        return hub.get("/api1/", who)

    def test_required_properties(self, hub: Hub) -> None:
        """4.2.1: title, versions and max_content_length are present."""
        r = self._root(hub)
        assert r.status_code == 200, r.text
        body = r.json()
        assert isinstance(body["title"], str)
        assert {"title", "versions", "max_content_length"} <= set(body)

    def test_versions_include_taxii_21(self, hub: Hub) -> None:
        """4.2.1: versions lists full media types including application/taxii+json;version=2.1."""
        versions = self._root(hub).json()["versions"]
        assert TAXII_21 in versions
        assert all(v.startswith("application/taxii+json;version=") for v in versions)

    def test_max_content_length_is_the_configured_positive_integer(
        self, hub_factory: Callable[..., Hub]
    ) -> None:
        """4.2.1: max_content_length is a positive integer: the API root's configured limit."""
        hub = hub_factory(max_len=4321)
        value = self._root(hub).json()["max_content_length"]
        assert type(value) is int
        assert value == 4321

    def test_every_user_sees_the_api_root(self, hub: Hub) -> None:
        """4.2: an authenticated user without any grant still reads the API root."""
        assert self._root(hub, "nobody").status_code == 200

    def test_unknown_api_root_is_404(self, hub: Hub) -> None:
        """4.2: an API root that does not exist gives 404 with an error body."""
        r = hub.get("/nope/")
        assert r.status_code == 404
        assert r.json()["http_status"] == "404"

    def test_anonymous_gets_401(self, hub: Hub) -> None:
        """4.2: an anonymous request to a non-public API root gets 401 with WWW-Authenticate."""
        r = self._root(hub, "anonymous")
        assert r.status_code == 401
        assert "www-authenticate" in r.headers

    def test_without_trailing_slash(self, hub: Hub) -> None:
        """integrations 1: the API root is served without its trailing slash as well."""
        assert hub.get("/api1").status_code == 200

    def test_api_root_with_wrong_accept_is_406(self, hub: Hub) -> None:
        """4.2: an API root request for an unsupported TAXII version gets 406."""
        headers = {**hub.headers["admin"], "Accept": "application/taxii+json;version=3.0"}
        assert hub.client.get("/api1/", headers=headers).status_code == 406
