"""How long to leave an LRS alone after it failed: exponential backoff with full jitter,
capped, and never shorter than the LRS's own ``Retry-After`` (itself capped, so a bogus
header cannot park deliveries for days)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 1.0  # seconds: the first backoff is drawn from [0, base)
    cap: float = 300.0  # seconds: backoff never grows beyond this
    max_retry_after: float = 3600.0  # seconds: the most of a Retry-After we honour

    def delay(self, failures: int, retry_after: float | None, draw: float) -> float:
        """Seconds to wait after ``failures`` consecutive failures (>= 1); ``draw`` is a
        uniform random number in [0, 1) (full jitter)."""
        ceiling = min(self.cap, self.base * 2 ** min(max(failures, 1) - 1, 60))
        backoff = draw * ceiling
        if retry_after is None:
            return backoff
        return max(backoff, min(retry_after, self.max_retry_after))
