"""The translation catalogs: one gettext domain, ``messages``, one .po file per language.

Translators edit ``<lang>/LC_MESSAGES/messages.po`` (README "Languages"). The .mo files
gettext reads are not committed: the app compiles the .po files into a private directory
when it starts, so a fresh checkout, an edited catalog and an installed package all serve
what the .po files say, with no build step to forget and no binary file to merge.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from .pseudo import PSEUDO_LOCALES, pseudo_catalog

DIRECTORY = Path(__file__).parent
TEMPLATE = DIRECTORY / "messages.pot"
DOMAIN = "messages"
SOURCE_LOCALE = "en"  # the msgids are English: English needs no catalog


def catalog_files(source: Path = DIRECTORY) -> dict[str, Path]:
    """Each translated language's .po file, by locale identifier (a directory is a language)."""
    return {po.parent.parent.name: po for po in sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


@cache
def shipped_locales(source: Path = DIRECTORY) -> tuple[str, ...]:
    """Looked up once per process, as the catalogs are compiled once (every page asks)."""
    return (SOURCE_LOCALE, *catalog_files(source))


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def compile_catalogs(target: Path, source: Path = DIRECTORY, pseudo: bool = False) -> None:
    """Writes ``<target>/<locale>/LC_MESSAGES/messages.mo`` for each catalog (untranslated and
    fuzzy entries are left out, so gettext falls back to the English msgid), and with
    ``pseudo`` the test locales generated from the template."""
    catalogs = {locale: read_catalog(po, locale) for locale, po in catalog_files(source).items()}
    if pseudo:
        template = read_catalog(source / TEMPLATE.name)
        catalogs.update({locale: pseudo_catalog(template, locale) for locale in PSEUDO_LOCALES})
    for locale, catalog in catalogs.items():
        directory = target / locale / "LC_MESSAGES"
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / f"{DOMAIN}.mo").open("wb") as mo:
            write_mo(mo, catalog)


@cache
def compiled_directory(pseudo: bool = False) -> Path:
    """This process's compiled catalogs. Private (mkdtemp is 0700): a translation is trusted
    as template text, so nobody else on the machine may write one."""
    target = Path(tempfile.mkdtemp(prefix="coachbridge-catalogs-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    compile_catalogs(target, pseudo=pseudo)
    return target
