"""Marking text that a person will read, in code that must not import a web framework.

``N_("...")`` returns its argument unchanged; it only tells the extractor (pybabel,
configured in pyproject.toml) that the text belongs in the catalogs. The web layer
translates it when it renders, with ``gettext(text, **params)`` in the reader's locale.
"""
from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    return text
