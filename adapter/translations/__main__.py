"""Writes the pseudo-locales' catalogs as .po files, to look at what the tests serve:
``python -m adapter.translations OUTPUT_DIR``."""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import write_po

from . import TEMPLATE, read_catalog
from .pseudo import PSEUDO_LOCALES, pseudo_catalog


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip())
        return 2
    template = read_catalog(TEMPLATE)
    for locale in PSEUDO_LOCALES:
        directory = Path(argv[0]) / locale / "LC_MESSAGES"
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / "messages.po").open("wb") as po:
            write_po(po, pseudo_catalog(template, locale))
        print(directory / "messages.po")
    return 0


sys.exit(main(sys.argv[1:]))
