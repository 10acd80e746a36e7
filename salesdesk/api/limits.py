"""Limits of /api/v1: a request body cap, and a rate limit per token (429 with Retry-After).

The rate limit is a token bucket per API token: `per_minute` requests may come in a burst, and
the bucket refills at `per_minute` a minute. It lives in each worker's memory (no write per
request), so behind N workers a token may make up to N times the rate; set
SALESDESK_API_RATE_PER_MINUTE with that in mind.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from salesdesk.errors import Throttled

BODY_LIMIT = 1024 * 1024  # 1 MiB: far above any object's largest JSON
DEFAULT_PER_MINUTE = 600
KEPT = 10_000  # buckets kept (least recently used go first; a forgotten bucket is a full one)


class RateLimited(Throttled):
    def __init__(self, retry_after: int) -> None:
        super().__init__("api.rate_limited")
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, per_minute: int = DEFAULT_PER_MINUTE, clock=time.monotonic) -> None:  # noqa: ANN001
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self.clock = clock
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: int) -> None:
        """One request of `key`'s, or RateLimited with the seconds until the next is allowed."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.per_second)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            while len(self._buckets) > KEPT:
                self._buckets.popitem(last=False)
        if not allowed:
            raise RateLimited(max(1, math.ceil((1 - tokens) / self.per_second)))
