"""gunicorn's test of whether a request's peer is a trusted proxy, its answer kept per address.

gunicorn asks for every request whether the peer may set the forwarding and scheme headers
(``forwarded_allow_ips``): it parses the peer's address with ``ipaddress`` and looks for it in
each allowed network (~3 µs hot, ~1 % of a launch's CPU under gunicorn at 32 browsers). The
answer is a function of the address and the allowed list alone (gunicorn's config makes the
networks from the list), the same for every request from a proxy or a connection.
"""
from __future__ import annotations

from gunicorn.http import message

from adapter.domain.kept_answers import KeptAnswers

_gunicorns = message._ip_in_allow_list
_answers = KeptAnswers(1024)  # keyed by peers' addresses


def ip_in_allow_list(ip_str: str, allow_list: list[str], networks: list) -> bool:
    """``gunicorn.http.message._ip_in_allow_list``: the same answer, kept."""
    key = (ip_str, *allow_list)
    answer = _answers.get(key)
    return answer if answer is not None else _answers.keep(key, _gunicorns(ip_str, allow_list, networks))


def install() -> None:
    """In a gunicorn worker (adapter/wsgi.py): its requests' peers tested through :func:`ip_in_allow_list`."""
    message._ip_in_allow_list = ip_in_allow_list
