"""Answers kept by key, up to a limit: start over rather than grow.

Hot paths keep what they worked out for a key that comes back (a page's address, a peer's
address, a header's name, a launch's role list, a stored JSON text): a dict, found in one
look-up. A key may come from a request (a host name, any text), so what is kept is bounded;
when full, it starts over — the few keys that come back are kept again at once, and no
eviction order is kept up on every look-up. Safe to share between threads: a look-up and
:meth:`KeptAnswers.keep` are single dict operations, and two threads working out the same
key keep the same answer.
"""
from __future__ import annotations

from typing import Any, Hashable


class KeptAnswers(dict):
    """A dict of at most ``limit`` answers; read it as a dict, add with :meth:`keep`."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: Hashable, answer: Any) -> Any:
        """Keep ``answer`` for ``key`` (everything kept is forgotten first when full); returns it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = answer
        return answer
