"""Text marked with ``N_`` as it reads untranslated, for code that writes for people in any
language it is handed: a CSV download takes a ``translate`` function (the web edge passes
Flask-Babel's ``gettext``; the CLI and the API keep this English one)."""
from __future__ import annotations

from typing import Any, Callable

Translate = Callable[..., str]  # (text marked with N_, **values) -> the text in some language


def english(text: str, **values: Any) -> str:
    return text % values if values else text
