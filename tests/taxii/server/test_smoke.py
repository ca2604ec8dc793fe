"""Smoke: the hub answers discovery and round-trips an object."""

from tests.taxii.server.conftest import Hub, indicator


def test_round_trip(hub: Hub) -> None:
    """A posted indicator comes back from the objects endpoint."""
    r = hub.get("/taxii2/")
    assert r.status_code == 200, r.text
    r = hub.post_objects([indicator(1)])
    assert r.status_code == 202, r.text
    r = hub.get(hub.url(rest="objects/"))
    assert r.status_code == 200, r.text
    assert r.json()["objects"][0]["id"] == indicator(1)["id"]
    print(r.headers)
