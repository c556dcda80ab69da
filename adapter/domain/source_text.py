"""Text marked with ``N_`` as it reads untranslated, for code that writes for people in any
language it is handed: a CSV download takes a ``translate`` function (the web edge passes
Flask-Babel's ``gettext``; the CLI and the API keep this English one)."""
from __future__ import annotations

from typing import Any, Callable

from .translatable import Translatable

Translate = Callable[..., str]  # (text marked with N_ or Np_, **values) -> the text in some language


def english(text: Translatable, **values: Any) -> str:
    if isinstance(text, tuple):  # Np_: English has one singular, the count named num
        text = text[0] if values["num"] == 1 else text[1]
    return text % values if values else text
