"""The sync loop: read a page, make it durable in the target, then save the position.

That order is the whole crash story. A sync killed before the state is saved reads the same
page again on restart, and the target stores nothing twice (it answers "unchanged"); one
killed after it continues with the next page. Objects the target refuses (the door or the
local validator) are counted and reported, and the position still moves past them: a feed
must not stop for good on one object the consumer cannot take. Revocations need nothing
special: a revoked version is a new version, kept like any other.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stixhub.store import AddOutcome
from stixhub.sync._state import Counts, SyncState, load_state, lock_state, save_state
from stixhub.sync._targets import Target

__all__ = ["MAX_REFUSALS_KEPT", "PageSource", "Refusal", "SyncPage", "SyncReport", "run_sync"]

MAX_REFUSALS_KEPT = 1000
"""Refusals a report lists one by one; the count goes on beyond."""


@dataclass(frozen=True, slots=True)
class SyncPage:
    """One page from the source, and the position right after it (JSON-serialisable)."""

    objects: Sequence[Any]
    cursor: dict[str, Any]


PageSource = Callable[[dict[str, Any] | None], Iterable[SyncPage]]
"""Pages from a saved position (None: from the start); the client's paging behind it."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """One object the target did not take, and why."""

    id: str | None
    version: str | None
    message: str


@dataclass
class SyncReport:
    """What one run did (``run``), the totals of the state file, and what was refused."""

    run: Counts
    totals: Counts
    resumed: bool
    refusals: list[Refusal] = field(default_factory=list)
    stopped: bool = False
    """Whether the run ended at ``max_pages`` rather than at the end of the source."""


@contextmanager
def closing_iterator(pages: Iterable[SyncPage]) -> Iterator[Iterator[SyncPage]]:
    """Iterate the source and close it however the loop ends, so a source that fetches
    ahead (``_source``) stops at once when the target fails, not when garbage collected."""
    walk = iter(pages)
    try:
        yield walk
    finally:
        close = getattr(walk, "close", None)
        if close is not None:
            close()


def run_sync(
    source: PageSource,
    target: Target,
    state_path: Path,
    *,
    server: str,
    collection: str,
    target_name: str,
    query: dict[str, Any] | None = None,
    max_pages: int | None = None,
    on_page: Callable[[SyncReport], None] | None = None,
) -> SyncReport:
    """Sync every page after the saved position into the target; returns when the source
    has no more, or after ``max_pages`` pages (the next run goes on from there: a bound
    on a run against a server that never stops). ``server``, ``collection``,
    ``target_name`` and ``query`` (the filters, JSON) must match a saved state."""
    with lock_state(state_path):
        state = load_state(state_path)
        resumed = state is not None
        if state is None:
            state = SyncState(server, collection, target_name, query=query)
        else:
            state.check_same(server, collection, target_name, query)
        report = SyncReport(Counts(), state.totals, resumed)
        with closing_iterator(source(state.cursor)) as pages:
            for page in pages:
                tally = Counts(pages=1, received=len(page.objects))
                for result in target.write(page.objects) if page.objects else []:
                    if result.outcome == AddOutcome.STORED:
                        tally.stored += 1
                    elif result.outcome == AddOutcome.UNCHANGED:
                        tally.unchanged += 1
                    else:
                        tally.refused += 1
                        if len(report.refusals) < MAX_REFUSALS_KEPT:
                            report.refusals.append(
                                Refusal(result.id, result.version, result.message or "refused")
                            )
                state.cursor = page.cursor
                state.totals.add(tally)
                save_state(state_path, state)
                report.run.add(tally)
                if on_page is not None:
                    on_page(report)
                if max_pages is not None and report.run.pages >= max_pages:
                    report.stopped = page.cursor.get("more") is True
                    break
        return report
