"""Marking text that a person will read, in code that must not import a web framework.

``N_("...")`` returns its argument unchanged; it only tells the extractor (pybabel,
configured in pyproject.toml) that the text belongs in the catalogs. The web layer
translates it when it renders, with ``gettext(text, **params)`` in the reader's locale.

A text that counts something has plural forms (French and Spanish three, German two):
``Np_("%(num)d reflection", "%(num)d reflections")`` marks the pair, the count is the
value named ``num``, and the edge picks the form with ``ngettext`` (source_text.english
in English).
"""
from __future__ import annotations

Translatable = str | tuple[str, str]  # a text marked with N_, or a (singular, plural) pair marked with Np_


def N_(text: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    return text


def Np_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - extracted as a plural (pyproject.toml)
    return singular, plural
