"""gunicorn's settings read as plain attributes once read.

gunicorn reads its settings through ``Config.__getattr__`` (a Python call, then the setting's
``get``: ~0.7 µs a read) ~45 times a launch — each header line's ``strip_header_spaces``, the
request line's limits, the peer's allowed list, ``is_ssl`` (two more) for each request and
connection. A worker never changes them after it starts, and ``Config.set`` is the one way
gunicorn changes one: a value read is kept in the config's own attributes (found there by
Python's lookup, with no call), and ``Config.set`` drops the kept value of what it sets.
"""
from __future__ import annotations

from gunicorn.config import Config

_gunicorns_getattr = Config.__getattr__
_gunicorns_set = Config.set


def read_setting(cfg: Config, name: str):
    """``Config.__getattr__``: the setting's value (a name not a setting raises as gunicorn's),
    kept as the config's attribute so that the next read does not come here."""
    value = _gunicorns_getattr(cfg, name)
    object.__setattr__(cfg, name, value)  # past Config.__setattr__, which refuses setting names
    return value


def set_setting(cfg: Config, name: str, value) -> None:
    """``Config.set``, the kept value of ``name`` dropped: the next read gets the new one."""
    _gunicorns_set(cfg, name, value)
    cfg.__dict__.pop(name, None)


def install() -> None:
    """In a gunicorn worker (adapter/wsgi.py): its config's settings read through :func:`read_setting`."""
    Config.__getattr__ = read_setting
    Config.set = set_setting
