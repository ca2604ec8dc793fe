"""Two server processes on one PostgreSQL: the state lives in the database, not in a process."""

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import empty_postgres
from tests.interop.conftest import PASSWORD, prepare_hub, start_server, stop_server

ACCEPT = {"Accept": "application/taxii+json;version=2.1"}


@pytest.mark.postgres
class TestTwoProcesses:
    """Any server process continues what another one started."""

    def test_next_token_from_one_process_pages_on_the_other(
        self,
        postgres_base_url: str,
        tmp_path: Path,
        new_indicators: Callable[[int], list[dict[str, object]]],
    ) -> None:
        """3.4 / App. B: a next token issued by process A is accepted by process B, which
        returns the rest of the objects posted through A, each once."""
        empty_postgres(postgres_base_url)
        prepare_hub(postgres_base_url)
        a, base_a = start_server(postgres_base_url, tmp_path)
        try:
            b, base_b = start_server(postgres_base_url, tmp_path)
        except Exception:
            stop_server(a)
            raise
        try:
            objects = new_indicators(30)
            url = "/api1/collections/6d3b1f1e-2c4a-4b8e-9f61-1a2b3c4d5e6f/objects/"
            auth = ("publisher", PASSWORD)
            with httpx.Client(base_url=base_a, auth=auth) as client_a:
                r = client_a.post(
                    url,
                    headers={**ACCEPT, "Content-Type": ACCEPT["Accept"]},
                    json={"objects": objects},
                )
                assert r.status_code == 202, r.text
                first = client_a.get(url, headers=ACCEPT, params={"limit": 10}).json()
            assert first["more"] is True
            seen = [o["id"] for o in first["objects"]]
            with httpx.Client(base_url=base_b, auth=auth) as client_b:
                page = first
                while page["more"]:
                    page = client_b.get(
                        url, headers=ACCEPT, params={"next": page["next"], "limit": 10}
                    ).json()
                    seen.extend(o["id"] for o in page.get("objects", []))
            assert seen == [o["id"] for o in objects]
        finally:
            stop_server(a)
            stop_server(b)
