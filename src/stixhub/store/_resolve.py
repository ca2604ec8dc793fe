"""Finding the one collection an operator means, by id, alias or title.

Every admin command that takes a collection goes through ``resolve_collection``, so they
all accept the same names: an id in any API root; an alias, then a title, unique across
API roots; or ``API_ROOT/NAME`` to pick among API roots. Ids are tried first because they
are unique everywhere; an alias before a title because it was made to be typed.
"""

from stixhub.store._errors import AmbiguousName, NotFound
from stixhub.store._interface import Store
from stixhub.store._model import Collection

__all__ = ["resolve_collection"]


def resolve_collection(store: Store, key: str) -> Collection:
    """The collection ``key`` names; NotFound if none, AmbiguousName listing the
    candidates as ``API_ROOT/ID`` if several."""
    root_name, slash, name = key.partition("/")
    if slash:
        roots = [store.get_api_root(root_name).name]
    else:
        roots, name = [r.name for r in store.list_api_roots()], key
    candidates = [c for root in roots for c in store.list_collections(root)]
    for found in (
        [c for c in candidates if c.id == name.lower()],
        [c for c in candidates if c.alias == name],
        [c for c in candidates if c.title == name],
    ):
        if len(found) == 1:
            return found[0]
        if found:
            listed = ", ".join(f"{c.api_root}/{c.id}" for c in found)
            raise AmbiguousName(
                f"{len(found)} collections are called {name!r} ({listed}): "
                "give the id or API_ROOT/NAME"
            )
    where = f"in API root {root_name!r}" if slash else "in any API root"
    raise NotFound(f"no collection with id, alias or title {name!r} {where}")
