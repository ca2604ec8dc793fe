"""Credentials go only to the configured origin (or listed ones); discovery cannot lead the
client off https, nor to another host unless the user allowed it."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from stixhub.client import (
    AsyncTaxiiClient,
    Auth,
    BasicAuth,
    BearerToken,
    ClientCertificate,
    ClientConfigError,
    TaxiiClient,
)
from tests.taxii.client.conftest import API_ROOT

DISCOVERY = "https://hub.example/taxii2/"
SECRET = "s3cret-origin-pw"


class Hosts:
    """Every host answers: discovery at /taxii2/, an API root elsewhere, an empty
    collection list; each request is recorded with its Authorization header."""

    def __init__(self, default: str) -> None:
        self.default = default
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((str(request.url), request.headers.get("authorization")))
        path = request.url.path
        if path == "/taxii2/":
            body: dict[str, Any] = {"title": "d", "default": self.default, "api_roots": []}
        elif path.endswith("/collections/"):
            body = {"collections": []}
        else:
            body = API_ROOT
        headers = {"Content-Type": "application/taxii+json;version=2.1"}
        return httpx.Response(200, headers=headers, json=body)

    def authorized(self) -> list[str]:
        return [url for url, header in self.seen if header is not None]

    def hosts(self) -> set[str]:
        return {httpx.URL(url).host for url, _ in self.seen}


def sync_client(hosts: Hosts, auth: Auth | None = None, **kw: Any) -> TaxiiClient:
    return TaxiiClient(
        DISCOVERY,
        auth=auth or BasicAuth("admin", SECRET),
        transport=httpx.MockTransport(hosts),
        **kw,
    )


class TestOrigins:
    """Which requests carry credentials, and which API roots are followed at all."""

    @pytest.mark.parametrize("auth", [BasicAuth("admin", SECRET), BearerToken(SECRET)])
    def test_downgrade_to_http_is_refused_and_nothing_goes_there(self, auth: Auth) -> None:
        """A discovery default on http:// (another host or the same one) is refused with a
        clear error, and no request (so no credential) goes to it."""
        for default in ("http://evil.example/api/", "http://hub.example/api/"):
            hosts = Hosts(default)
            with sync_client(hosts, auth) as client, pytest.raises(ClientConfigError) as caught:
                client.collections()
            assert "would leave https for http" in str(caught.value)
            assert [url for url, _ in hosts.seen] == [DISCOVERY]
            assert SECRET not in str(caught.value)

    def test_other_origin_is_refused_by_default(self) -> None:
        """An API root on another host, or on another port of the same host, is refused
        unless allowed; the error names both origins."""
        for default in ("https://evil.example/api/", "https://hub.example:8443/api/"):
            hosts = Hosts(default)
            with sync_client(hosts) as client, pytest.raises(ClientConfigError) as caught:
                client.collections()
            assert "not on https://hub.example" in str(caught.value)
            assert hosts.hosts() == {"hub.example"}

    def test_same_origin_api_root_gets_the_credentials(self) -> None:
        """An API root on the configured origin (port 443 spelled or not) gets them."""
        hosts = Hosts("https://HUB.example:443/api1/")
        with sync_client(hosts) as client:
            assert client.collections() == []
        assert len(hosts.authorized()) == len(hosts.seen) == 2

    def test_cross_origin_is_followed_without_credentials(self) -> None:
        """With cross_origin, the other origin is asked without an Authorization header,
        while the configured origin still gets one."""
        hosts = Hosts("https://mirror.example/api/")
        with sync_client(hosts, BearerToken(SECRET), cross_origin=True) as client:
            assert client.collections() == []
        assert hosts.authorized() == [DISCOVERY]
        assert ("https://mirror.example/api/collections/", None) in hosts.seen

    def test_listed_origin_gets_the_credentials(self) -> None:
        """An origin in credential_origins is followed and gets the credentials."""
        hosts = Hosts("https://mirror.example/api/")
        with sync_client(hosts, credential_origins=["https://mirror.example"]) as client:
            assert client.collections() == []
        assert hosts.authorized() == [DISCOVERY, "https://mirror.example/api/collections/"]

    def test_listed_http_origin_still_refused_from_https(self) -> None:
        """Listing an http origin does not allow leaving https for it."""
        hosts = Hosts("http://mirror.example/api/")
        with (
            sync_client(hosts, credential_origins=["http://mirror.example"]) as client,
            pytest.raises(ClientConfigError, match="leave https"),
        ):
            client.collections()

    def test_explicit_api_root_is_checked_too(self) -> None:
        """An absolute api_root= on another origin is refused like discovery's."""
        hosts = Hosts("https://hub.example/api1/")
        with sync_client(hosts) as client, pytest.raises(ClientConfigError):
            client.collections(api_root="https://evil.example/api/")
        assert hosts.seen == []

    def test_bad_credential_origin_is_a_config_error(self) -> None:
        """A credential origin that is not an http(s) URL is refused at construction."""
        with pytest.raises(ClientConfigError, match="credential origin"):
            TaxiiClient(DISCOVERY, credential_origins=["mirror.example"])

    def test_certificate_cannot_go_anonymous(self, tmp_path: Path) -> None:
        """With a client certificate, cross_origin alone is not enough (the certificate
        is in every connection); listing the origin allows it."""
        ca = trustme.CA()
        pem = tmp_path / "client.pem"
        ca.issue_cert("client@hub.example").private_key_and_cert_chain_pem.write_to_path(pem)
        hosts = Hosts("https://mirror.example/api/")
        cert = ClientCertificate(str(pem))
        with (
            sync_client(hosts, cert, cross_origin=True) as client,
            pytest.raises(ClientConfigError, match="client certificate"),
        ):
            client.collections()
        listed = sync_client(hosts, cert, credential_origins=["https://mirror.example/"])
        with listed as client:
            assert client.collections() == []


class TestAsyncOrigins:
    """The async client runs the same policy."""

    def run(self, hosts: Hosts, call: Callable[[AsyncTaxiiClient], Any], **kw: Any) -> Any:
        async def go() -> Any:
            async with AsyncTaxiiClient(
                DISCOVERY,
                auth=BasicAuth("admin", SECRET),
                transport=httpx.MockTransport(hosts),
                **kw,
            ) as client:
                return await call(client)

        return asyncio.run(go())

    def test_downgrade_refused(self) -> None:
        """A default on http:// is refused and never asked."""
        hosts = Hosts("http://evil.example/api/")
        with pytest.raises(ClientConfigError, match="leave https"):
            self.run(hosts, lambda c: c.collections())
        assert hosts.hosts() == {"hub.example"}

    def test_cross_origin_without_credentials(self) -> None:
        """Refused by default; with cross_origin asked without the header."""
        hosts = Hosts("https://evil.example/api/")
        with pytest.raises(ClientConfigError):
            self.run(hosts, lambda c: c.collections())
        assert self.run(hosts, lambda c: c.collections(), cross_origin=True) == []
        assert hosts.authorized() == [DISCOVERY, DISCOVERY]
        assert ("https://evil.example/api/collections/", None) in hosts.seen
