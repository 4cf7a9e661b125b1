"""How fast a send may go: the relay's limits per second and per hour."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

HOUR = 3600.0


class RateLimiter:
    """Paces the messages of a send: at most ``per_second`` a second, evenly spaced, and at
    most ``per_hour`` in any hour (a sliding window, as relays count: when it is full, the
    next message waits until the oldest in it is an hour old).

    ``earlier`` are the times (on ``clock``) of messages sent before this run within the
    last hour: a run started soon after another shares its hour.
    """

    def __init__(
        self,
        per_second: float | None,
        per_hour: int | None = None,
        earlier: Iterable[float] = (),
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ):
        self.interval = 1.0 / per_second if per_second else 0.0
        self.per_hour = per_hour
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.next_time = 0.0
        # The times of the messages of the last hour (only kept with a per_hour limit).
        self.hour: deque[float] = deque(sorted(earlier) if per_hour else ())

    def wait(self) -> None:
        """Sleep until the next message is allowed, and count it as sent then."""
        now = self.clock()
        ready = max(now, self.next_time)
        if self.per_hour:
            while self.hour and self.hour[0] <= ready - HOUR:
                self.hour.popleft()
            if len(self.hour) >= self.per_hour:
                # The window holds per_hour messages: wait until enough of them are old.
                ready = max(ready, self.hour[len(self.hour) - self.per_hour] + HOUR)
            self.hour.append(ready)
        if ready > now:
            self.sleep(ready - now)
        self.next_time = ready + self.interval


def slowest(*rates: float | None) -> float | None:
    """The lowest of the rates given (None: no limit)."""
    given = [rate for rate in rates if rate]
    return min(given) if given else None
