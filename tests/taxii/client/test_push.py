"""Add Objects: inputs of every shape, envelopes within max_content_length, status waits."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import stix2

from stixhub.client import InvalidInput, TaxiiClient
from tests.taxii.client.conftest import API_ROOT, INTEL, Reply, Script, indicator

Scripted = Callable[..., tuple[TaxiiClient, Script]]
C = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"


class StatusServer:
    """Accepts envelopes, completes each status after ``polls`` status reads, and fails
    objects whose name says so; records the bodies it got."""

    def __init__(self, polls: int = 0, lists: bool = True) -> None:
        self.polls = polls
        self.lists = lists
        self.bodies: list[bytes] = []
        self.statuses: dict[str, tuple[list[dict[str, Any]], int]] = {}

    def resource(self, sid: str) -> dict[str, Any]:
        objects, reads = self.statuses[sid]
        done = reads >= self.polls
        ok = [o for o in objects if "fail" not in o.get("name", "")]
        bad = [o for o in objects if "fail" in o.get("name", "")]
        body: dict[str, Any] = {
            "id": sid,
            "status": "complete" if done else "pending",
            "total_count": len(objects),
            "success_count": len(ok) if done else 0,
            "failure_count": len(bad) if done else 0,
            "pending_count": 0 if done else len(objects),
        }
        if self.lists and done:
            body["successes"] = [{"id": o["id"], "version": o["modified"]} for o in ok]
            body["failures"] = [
                {"id": o["id"], "version": o["modified"], "message": "refused: " + o["name"]}
                for o in bad
            ]
        return body

    def __call__(self, request: httpx.Request) -> Reply:
        if request.method == "POST":
            self.bodies.append(request.content)
            sid = f"s{len(self.statuses)}"
            self.statuses[sid] = (json.loads(request.content)["objects"], 0)
            return Reply(202, self.resource(sid))
        sid = request.url.path.rstrip("/").rsplit("/", 1)[1]
        objects, reads = self.statuses[sid]
        self.statuses[sid] = (objects, reads + 1)
        return Reply(body=self.resource(sid))


def root_with(max_len: int) -> dict[str, Any]:
    return {**API_ROOT, "max_content_length": max_len}


class TestEnvelopes:
    """Input is cut into envelopes that each fit the API root's max_content_length."""

    def test_split_by_serialised_size(self, scripted: Scripted) -> None:
        """Each body sent is at most max_content_length bytes, and all objects arrive once."""
        objects = [indicator(n) for n in range(10, 30)]  # all of one serialised size
        one = len(json.dumps(objects[0], separators=(",", ":")))
        limit = len('{"objects":[]}') + 3 * one + 2  # three objects and two commas fit
        server = StatusServer()
        client, _ = scripted(server, api_root=root_with(limit))
        result = client.add_objects(C, objects)
        assert result.ok
        assert all(len(b) <= limit for b in server.bodies)
        assert len(server.bodies) == 7
        sent = [o["id"] for b in server.bodies for o in json.loads(b)["objects"]]
        assert sent == [o["id"] for o in objects]

    def test_exact_fit(self, scripted: Scripted) -> None:
        """An envelope exactly max_content_length long is sent as one."""
        objects = [indicator(1), indicator(2)]
        size = len(json.dumps({"objects": objects}, separators=(",", ":")))
        server = StatusServer()
        client, _ = scripted(server, api_root=root_with(size))
        assert client.add_objects(C, objects).ok
        assert [len(b) for b in server.bodies] == [size]

    def test_object_larger_than_limit_fails_alone(self, scripted: Scripted) -> None:
        """An object that cannot fit any envelope is a failure of its own; the rest go."""
        big = indicator(2, description="x" * 2000)
        server = StatusServer()
        client, _ = scripted(server, api_root=root_with(1500))
        result = client.add_objects(C, [indicator(1), big, indicator(3)])
        assert [r.outcome for r in result.results] == ["success", "failure", "success"]
        assert "max_content_length of 1500" in (result.results[1].message or "")
        assert big["id"] not in b"".join(server.bodies).decode()

    def test_payload_too_large_answer(self, scripted: Scripted) -> None:
        """A 413 for one envelope fails its objects with the server's reason."""

        def answer(request: httpx.Request) -> Reply:
            return Reply(413, {"title": "Too big", "http_status": "413"})

        client, _ = scripted(answer)
        result = client.add_objects(C, [indicator(1)])
        assert result.results[0].outcome == "failure"
        assert "413 Too big" in (result.results[0].message or "")


class TestInputs:
    """Plain dicts, stix2 objects, bundles, envelopes and iterables of them are accepted."""

    def test_every_shape(self, scripted: Scripted) -> None:
        """A dict, a stix2 Indicator, a dict bundle, a stix2 Bundle, an envelope and a
        generator all end up as plain objects in the envelopes."""
        made = stix2.Indicator(
            pattern="[ipv4-addr:value = '203.0.113.9']", pattern_type="stix", name="s"
        )
        server = StatusServer()
        client, _ = scripted(server)
        result = client.add_objects(
            C,
            [
                indicator(1),
                made,
                {"type": "bundle", "id": "bundle--1", "objects": [indicator(2)]},
                stix2.Bundle(indicator(3), allow_custom=False),
                {"objects": [indicator(4)]},
                (indicator(n) for n in (5, 6)),
            ],
        )
        assert result.ok
        sent = [o["id"] for b in server.bodies for o in json.loads(b)["objects"]]
        assert sent == [indicator(1)["id"], made.id, *(indicator(n)["id"] for n in range(2, 7))]

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("indicator--1", "not str"),
            (42, "not int"),
            ([{"type": "indicator"}], "needs a string 'type' and 'id'"),
            ([[1]], "item 1.1: expected a STIX object"),
            ({"objects": "x"}, "'objects' must be a list"),
            ([], "no STIX objects"),
        ],
    )
    def test_bad_input(self, scripted: Scripted, value: Any, message: str) -> None:
        """Input that is not STIX is refused before anything is sent."""
        client, script = scripted(StatusServer())
        with pytest.raises(InvalidInput, match=message):
            client.add_objects(C, value)
        assert script.requests == []


class TestStatus:
    """The client waits for statuses and reports each object's outcome."""

    def test_waits_until_complete(self, scripted: Scripted, sleeps: list[float]) -> None:
        """A pending status is polled, backing off, until complete; failures keep messages."""
        client, _ = scripted(StatusServer(polls=3))
        result = client.add_objects(C, [indicator(1), indicator(2, name="fail me")])
        assert [r.outcome for r in result.results] == ["success", "failure"]
        assert result.results[1].message == "refused: fail me"
        assert sleeps == [0.25, 0.5, 1.0]

    def test_timeout_leaves_objects_pending(self, scripted: Scripted, sleeps: list[float]) -> None:
        """When the timeout passes first, the objects are reported pending, not lost."""
        now = [0.0]
        client, _ = scripted(
            StatusServer(polls=100),
            sleep=lambda s: (sleeps.append(s), now.__setitem__(0, now[0] + s)),
            clock=lambda: now[0],
        )
        result = client.add_objects(C, [indicator(1)], timeout=2.0)
        assert result.pending_count == 1
        assert sum(sleeps) == pytest.approx(2.0)

    def test_no_wait(self, scripted: Scripted, sleeps: list[float]) -> None:
        """wait=False returns right after the POSTs, pending objects as pending."""
        client, script = scripted(StatusServer(polls=1))
        result = client.add_objects(C, [indicator(1)], wait=False)
        assert (result.pending_count, sleeps, len(script.requests)) == (1, [], 1)


class TestAgainstHub:
    """Push to our own hub: its validator's refusals come back per object."""

    def test_invalid_object_refused_with_message(
        self, make_client: Callable[..., TaxiiClient]
    ) -> None:
        """An invalid indicator fails with the hub's message; the valid one is stored."""
        broken = indicator(2)
        del broken["pattern"]
        with make_client() as client:
            result = client.add_objects(INTEL, [indicator(1), broken])
            assert [r.outcome for r in result.results] == ["success", "failure"]
            assert "pattern" in (result.results[1].message or "")
            assert [o["id"] for o in client.iter_objects(INTEL)] == [indicator(1)["id"]]
