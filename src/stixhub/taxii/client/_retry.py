"""When to try a request again, and how long to wait first.

Connection errors, 429 and 503 are retried, a bounded number of times. The wait is the
server's ``Retry-After`` when it sends one (delta-seconds or an HTTP-date, RFC 9110 section
10.2.3), else an exponential backoff with jitter so that many clients told to wait by one
server do not come back in step. A ``Retry-After`` longer than ``max_retry_after`` is not
waited for: the error is raised at once, so a cron job does not hang for hours.
"""

import email.utils
from dataclasses import dataclass

__all__ = ["RETRY_STATUSES", "RetryPolicy", "parse_retry_after"]

RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry limits. ``attempts`` counts every try, the first included (1: no retry).

    The n-th retry waits ``min(max_backoff, backoff * 2**(n-1))`` seconds, of which a
    random share up to ``jitter`` (0 to 1) is taken off.
    """

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    jitter: float = 0.5
    max_retry_after: float = 120.0

    def delay(self, retry: int, random_value: float) -> float:
        """Seconds before retry number ``retry`` (1 for the first) given a uniform [0, 1)."""
        base = min(self.max_backoff, self.backoff * 2.0 ** (retry - 1))
        return base * (1.0 - self.jitter * random_value)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header at wall-clock ``now``; None if absent
    or unreadable (the caller then backs off on its own). A date in the past means 0."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form may lack the zone
        return None
    return max(0.0, when.timestamp() - now)
