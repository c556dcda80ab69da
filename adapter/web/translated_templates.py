"""The app's templates compiled once per catalog, with the fixed texts of their ``_()`` and
``gettext()`` calls (``{% trans %}`` blocks too) translated in at compile time: a page's
thirty-odd fixed texts then cost nothing per render, where each was a call (Jinja's
``Context.call``, the catalog lookup, a Markup and its ``%`` formatting).

What such a text renders stays what Jinja's new-style gettext renders: the translation, as
Markup in an autoescaped template (plain text otherwise), formatted with the call's named
values (``%`` escapes each value; ``%%`` is ``%``). A computed text, ``ngettext`` (its form
depends on the number), and every call in a template that binds a name ``_`` or ``gettext``
of its own stay calls to the render's gettext (i18n.py).
"""
from __future__ import annotations

import weakref
from contextvars import ContextVar
from gettext import NullTranslations
from typing import Any, MutableMapping

from flask.templating import Environment
from flask_babel import get_translations
from jinja2 import Template, nodes
from jinja2.utils import internalcode
from jinja2.visitor import NodeTransformer

_GETTEXT = ("_", "gettext")
# The catalog a template is being compiled for (set while _load_template compiles one).
_compiling_for: ContextVar[NullTranslations | None] = ContextVar("compiling_for", default=None)


class TranslatedTemplates(Environment):
    """Flask's environment, caching each template per catalog: the render's (Flask-Babel's
    ``get_translations``: the request's locale, or ``force_locale``'s)."""

    @internalcode
    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:
        catalog = get_translations()
        # By the files read (fr_FR and fr_CA share fr's): a catalog's texts are its files'.
        key = (weakref.ref(self.loader), name, tuple(catalog.files))
        template = self.cache.get(key) if self.cache is not None else None
        if template is None or (self.auto_reload and not template.is_up_to_date):
            compiling = _compiling_for.set(catalog)
            try:
                template = self.loader.load(self, name, self.make_globals(globals))
            finally:
                _compiling_for.reset(compiling)
            if self.cache is not None:
                self.cache[key] = template
        elif globals:
            template.globals.update(globals)
        return template

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        catalog = _compiling_for.get()
        if catalog is None or any(n.name in _GETTEXT and n.ctx != "load" for n in tree.find_all(nodes.Name)):
            return tree
        return _FixedTexts(catalog).visit(tree)


class _FixedTexts(NodeTransformer):
    def __init__(self, catalog: NullTranslations) -> None:
        self.catalog = catalog

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if not (isinstance(node.node, nodes.Name) and node.node.name in _GETTEXT and len(node.args) == 1
                and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)
                and node.dyn_args is None and node.dyn_kwargs is None
                and len({k.key for k in node.kwargs}) == len(node.kwargs)):
            return node
        text = self.catalog.ugettext(node.args[0].value)
        if node.kwargs:  # formatted at render time, as the call would
            values = nodes.Dict([nodes.Pair(nodes.Const(k.key), k.value) for k in node.kwargs])
            return nodes.Mod(nodes.MarkSafeIfAutoescape(nodes.Const(text)), values).set_lineno(node.lineno)
        try:
            text = text % {}
        except (TypeError, ValueError, KeyError):  # a broken text fails at render time, as it did
            return node
        return nodes.MarkSafeIfAutoescape(nodes.Const(text)).set_lineno(node.lineno)
