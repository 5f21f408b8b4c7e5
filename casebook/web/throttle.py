"""Failed authentications, counted per client address: past the rate, the address waits.

Guessing a 32-character token is hopeless, but a flood of guesses is still a signal and a
cost. Each failure is logged (address and route, never the token) and counted in a moving
window (`limits`, the library behind flask-limiter and slowapi); an address past the rate is
answered 429 on every request, a right token included, until its window has room again, so
a guesser learns nothing from answers while throttled.
"""

from __future__ import annotations

import logging
import math
import time

from limits import parse as parse_rate
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("casebook.web.auth")


class FailedAuthThrottle:
    """Counts failed authentications per address against a rate such as "20/minute"."""

    def __init__(self, rate: str) -> None:
        self._rate = parse_rate(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, address: str) -> int | None:
        """Seconds until `address` may try again, or None when it is not throttled."""
        if self._limiter.test(self._rate, address):
            return None
        reset_at, _remaining = self._limiter.get_window_stats(self._rate, address)
        return max(1, math.ceil(reset_at - time.time()))

    def failed(self, address: str, route: str, why: str) -> None:
        """Count and log one failed authentication."""
        self._limiter.hit(self._rate, address)
        log.warning("failed authentication from %s on %s: %s", address, route, why)
