"""Authentication (TAXII 2.1 sections 5.1 to 5.8, 8.2.2; integrations.md section 1, item 3)."""

import base64
import threading
import time
from typing import Any

import pytest

from stixhub.store import hash_password
from stixhub.taxii.server import _auth
from stixhub.taxii.server._errors import Unauthenticated
from tests.taxii.server.conftest import INTEL, Hub


def with_auth(hub: Hub, authorization: str) -> Any:
    headers = {**hub.headers["anonymous"], "Authorization": authorization}
    return hub.client.get(hub.url(INTEL), headers=headers)


NOT_UTF8 = base64.b64encode(b"reader:\xff").decode()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class TestBasic:
    """8.2.2: HTTP Basic."""

    @pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC", "bAsIc"])
    def test_scheme_is_case_insensitive(self, hub: Hub, scheme: str) -> None:
        """integrations 1: the Basic scheme name matches in any case (MISP sends 'basic')."""
        r = with_auth(hub, f"{scheme} {b64('reader:reader-pw')}")
        assert r.status_code == 200, r.text
        assert r.json()["can_read"] is True

    def test_extra_spaces_are_tolerated(self, hub: Hub) -> None:
        """8.2.2: Basic credentials with extra spaces around them are accepted."""
        assert with_auth(hub, f"Basic   {b64('reader:reader-pw')} ").status_code == 200

    def test_password_with_colon(self, hub: Hub) -> None:
        """8.2.2 (RFC 7617): a password containing ':' is split at the first colon only."""
        hub.store.create_account("colon", hash_password("a:b:c"))
        hub.store.grant("colon", INTEL, True, False)
        assert with_auth(hub, f"Basic {b64('colon:a:b:c')}").status_code == 200

    @pytest.mark.parametrize(
        "authorization",
        [
            f"Basic {b64('reader:wrong')}",
            f"Basic {b64('ghost:reader-pw')}",
            f"Basic {b64('reader')}",
            "Basic !!!notbase64",
            "Basic " + NOT_UTF8,
            "Bearer not-a-token",
            "Bearer ",
            "Digest username=reader",
            "Negotiate abc",
        ],
    )
    def test_bad_credentials_get_401_with_challenge(self, hub: Hub, authorization: str) -> None:
        """5.2 / integrations 1: bad credentials get 401 with a WWW-Authenticate Basic challenge."""
        r = with_auth(hub, authorization)
        assert r.status_code == 401, r.text
        challenge = r.headers["www-authenticate"]
        assert "basic realm=" in challenge.lower()
        assert r.json()["http_status"] == "401"

    def test_challenge_lists_bearer_too(self, hub: Hub) -> None:
        """8.2.2 / RFC 7235: the 401 challenge names every supported scheme, Bearer included."""
        r = hub.get(hub.url(INTEL), "anonymous")
        assert "bearer" in r.headers["www-authenticate"].lower()

    def test_bad_credentials_on_public_collection_are_401(self, hub: Hub) -> None:
        """5.4: wrong credentials are refused even where anonymous reading is allowed."""
        headers = {**hub.headers["anonymous"], "Authorization": f"Basic {b64('reader:x')}"}
        r = hub.client.get("/api1/collections/", headers=headers)
        assert r.status_code == 401

    def test_401_body_does_not_tell_names_apart(self, hub: Hub) -> None:
        """App. B: a wrong password and an unknown user get the same 401 body."""
        wrong = with_auth(hub, f"Basic {b64('reader:wrong')}")
        ghost = with_auth(hub, f"Basic {b64('ghost:wrong')}")
        assert wrong.json() == ghost.json()

    def test_other_accounts_password_is_refused(self, hub: Hub) -> None:
        """8.2.2: another account's password does not authenticate this account."""
        assert with_auth(hub, f"Basic {b64('admin:reader-pw')}").status_code == 401


class TestBearer:
    """8.2.2 MAY / integrations 1: Bearer API tokens."""

    def test_token_authenticates_as_its_account(self, hub: Hub) -> None:
        """8.2.2: a Bearer token authenticates as the account it belongs to."""
        r = hub.get(hub.url(INTEL), "reader-token")
        assert r.status_code == 200, r.text
        assert (r.json()["can_read"], r.json()["can_write"]) == (True, False)

    def test_lower_case_bearer(self, hub: Hub) -> None:
        """integrations 1: the Bearer scheme name is case-insensitive."""
        token = hub.headers["reader-token"]["Authorization"].split(" ", 1)[1]
        assert with_auth(hub, f"bearer {token}").status_code == 200

    def test_token_of_another_hub_is_refused(self, hub: Hub) -> None:
        """8.2.2: a well-formed token that was never issued gets 401."""
        token = hub.headers["reader-token"]["Authorization"].split(" ", 1)[1]
        assert with_auth(hub, f"Bearer {token}x").status_code == 401


class TestPasswordCheckLoad:
    """argon2 checks (64 MiB each) are bounded and not repeated for a burst of one login."""

    @staticmethod
    def _instrument(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
        seen = {"calls": 0, "running": 0, "most": 0}
        lock = threading.Lock()
        real = _auth.verify_password

        def slow(stored: str, password: str) -> bool:
            with lock:
                seen["calls"] += 1
                seen["running"] += 1
                seen["most"] = max(seen["most"], seen["running"])
            time.sleep(0.05)
            try:
                return real(stored, password)
            finally:
                with lock:
                    seen["running"] -= 1

        monkeypatch.setattr(_auth, "verify_password", slow)
        return seen

    def _burst(self, hub: Hub, credentials: list[str]) -> list[int]:
        authenticator = hub.client.app.state.service.auth  # type: ignore[attr-defined]
        outcomes: list[int] = []
        barrier = threading.Barrier(len(credentials))

        def login(text: str) -> None:
            barrier.wait()
            try:
                authenticator.authenticate(f"Basic {b64(text)}")
                outcomes.append(200)
            except Unauthenticated:
                outcomes.append(401)

        threads = [threading.Thread(target=login, args=(c,)) for c in credentials]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def test_a_burst_of_one_login_checks_the_password_once(
        self, hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Sixteen pollers starting together with one account cost one argon2 check."""
        seen = self._instrument(monkeypatch)
        assert self._burst(hub, ["reader:reader-pw"] * 16) == [200] * 16
        assert seen["calls"] == 1

    def test_concurrent_checks_are_bounded(self, hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
        """However many wrong passwords arrive at once, at most two checks run together."""
        seen = self._instrument(monkeypatch)
        wrong = [f"reader:wrong-{n}" for n in range(10)]
        assert self._burst(hub, wrong) == [401] * 10
        assert seen["calls"] == 10
        assert seen["most"] <= _auth._CONCURRENT_PASSWORD_CHECKS

    def test_a_burst_of_one_wrong_login_is_still_refused_each_time(
        self, hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Requests waiting on a failed check of their credentials are refused too."""
        self._instrument(monkeypatch)
        assert self._burst(hub, ["reader:nope"] * 6) == [401] * 6

    def test_a_login_that_cannot_start_its_check_gets_503(
        self, hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With every check slot taken, a login waits a bounded time, then gets 503 to retry."""
        monkeypatch.setattr(_auth, "_CHECK_WAIT_SECONDS", 0.05)
        authenticator = hub.client.app.state.service.auth  # type: ignore[attr-defined]
        for _ in range(_auth._CONCURRENT_PASSWORD_CHECKS):
            assert authenticator._checks.acquire(timeout=1)
        try:
            r = with_auth(hub, f"Basic {b64('reader:reader-pw')}")
        finally:
            for _ in range(_auth._CONCURRENT_PASSWORD_CHECKS):
                authenticator._checks.release()
        assert r.status_code == 503
        assert r.headers["retry-after"].isdigit()
        assert r.json()["http_status"] == "503"
        assert with_auth(hub, f"Basic {b64('reader:reader-pw')}").status_code == 200

    def test_waiters_get_the_answer_even_without_a_cache(
        self, hub_factory: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With auth_cache_seconds = 0, a burst of one login still costs one argon2 check."""
        hub = hub_factory(auth_cache_seconds=0)
        seen = self._instrument(monkeypatch)
        assert self._burst(hub, ["reader:reader-pw"] * 8) == [200] * 8
        assert seen["calls"] == 1
