"""Read every statement back from an LRS: what ``coachbridge report --from-lrs`` works on.

``GET statements`` pages through ``more`` links. A conforming LRS leaves voided
statements out of that list, but a measure needs their timestamps (the first version of
a revised reflection, a request a decision superseded), so each statement a voiding
statement names and the list did not include is fetched by ``voidedStatementId``.
Which verb voids comes from the mapping (``XapiMapping.voiding_verb``).

Whoever runs the reader named the LRS (the tool operator, from the command line), so it
may be at any address; but the LRS's answers do not choose where the reader goes next: a
``more`` link is followed only on the LRS's own server (scheme, host and port), where the
credentials are meant to go.
"""
from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

import requests

from xapi.lrs_client import BasicAuth, LrsConfig

PAGE_SIZE = 500


class LrsReadError(RuntimeError):
    """The LRS did not answer a read with statements."""


class StatementReader:
    def __init__(self, config: LrsConfig, voiding_verb: str, session: requests.Session | None = None) -> None:
        self.config = config
        self.voiding_verb = voiding_verb
        self.session = session or requests.Session()

    def _get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        auth = self.config.auth
        response = self.session.get(
            url, params=params, headers={"X-Experience-API-Version": self.config.xapi_version},
            auth=(auth.username, auth.password) if isinstance(auth, BasicAuth) else None,
            timeout=(self.config.connect_timeout, self.config.read_timeout))
        if response.status_code != 200:
            raise LrsReadError(f"{url} answered {response.status_code}: {response.text.strip()[:300]}")
        return response.json()

    def pages(self) -> Iterator[dict[str, Any]]:
        url, params = self.config.url("statements"), {"limit": PAGE_SIZE, "ascending": "true"}
        while url:
            body = self._get(url, params)
            yield from body.get("statements", [])
            more = body.get("more") or ""
            url, params = (self._on_this_lrs(urljoin(self.config.endpoint, more)) if more else ""), None

    def _on_this_lrs(self, url: str) -> str:
        if _origin(url) != _origin(self.config.endpoint):
            raise LrsReadError(f"the LRS's link to the next page of statements leads to another server "
                               f"({_origin(url)}), which is not followed")
        return url

    def voided(self, statement_id: str) -> dict[str, Any] | None:
        try:
            return self._get(self.config.url("statements"), {"voidedStatementId": statement_id})
        except LrsReadError:
            return None  # voided before it reached this LRS, or the LRS keeps no voided statements

    def all_statements(self) -> list[dict[str, Any]]:
        """Every statement, voided ones included (each once)."""
        found = {s["id"]: s for s in self.pages()}
        for statement in list(found.values()):
            target = statement.get("object", {})
            if statement["verb"]["id"] == self.voiding_verb and target.get("objectType") == "StatementRef" \
                    and target["id"] not in found:
                voided = self.voided(target["id"])
                if voided is not None:
                    found[voided["id"]] = voided
        return list(found.values())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:  # a port out of range: no server's
        return url
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"
