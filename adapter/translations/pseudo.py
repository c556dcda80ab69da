"""Pseudo-locales for the tests, generated from the template (messages.pot), never written by hand.

``en@pseudo`` accents every letter, pads the text by about a third and brackets it,
``[Ŝåvé ţĥé ŕéƒļéçţîöñ ·····]``: a page in it shows at once any text that escaped the
catalogs (plain ASCII words outside brackets) and any layout that breaks on longer text.
``ar@pseudo`` is the same text forced right to left, in a locale Babel knows as RTL, so the
page is laid out as for Arabic or Hebrew. Babel and gettext accept both identifiers
(a language plus an ``@`` modifier); the app offers them only when COACHBRIDGE_PSEUDO_LOCALES is on.

    python -m adapter.translations OUTPUT_DIR   # writes them as .po files to look at
"""
from __future__ import annotations

import gettext
import re

from babel.messages.catalog import Catalog

ACCENTED, RTL = "en@pseudo", "ar@pseudo"
PSEUDO_LOCALES = (ACCENTED, RTL)

_LETTERS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Left as they are: printf placeholders, HTML tags and entities, Jinja-escaped percent signs.
_KEEP = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|%[sd]|<[^>]*>|&#?\w+;")
_PAD = "·"
_RIGHT_TO_LEFT_OVERRIDE, _POP_DIRECTION = "\u202e", "\u202c"


def pseudo_text(text: str, right_to_left: bool = False) -> str:
    if not text:
        return text
    parts, last = [], 0
    for kept in _KEEP.finditer(text):
        parts.append(text[last:kept.start()].translate(_LETTERS))
        parts.append(kept.group())
        last = kept.end()
    parts.append(text[last:].translate(_LETTERS))
    body = "".join(parts) + " " + _PAD * max(1, len(text) // 3)
    if right_to_left:
        body = _RIGHT_TO_LEFT_OVERRIDE + body + _POP_DIRECTION
    return f"[{body}]"


def pseudo_catalog(template: Catalog, locale: str) -> Catalog:
    """A complete catalog in ``locale`` (one of PSEUDO_LOCALES) for every message of the template."""
    catalog = Catalog(locale=locale, domain=template.domain, project=template.project)
    right_to_left = locale == RTL
    singular_index = gettext.c2py(catalog.plural_expr)(1)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            singular, plural = (pseudo_text(text, right_to_left) for text in message.id[:2])
            string = tuple(singular if i == singular_index else plural for i in range(catalog.num_plurals))
        else:
            string = pseudo_text(message.id, right_to_left)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    return catalog
