"""The app's templates compiled once per catalog, with the fixed texts of their ``_()`` and
``gettext()`` calls (``{% trans %}`` blocks too) translated in at compile time: a page's
thirty-odd fixed texts then cost nothing per render, where each was a call (Jinja's
``Context.call``, the catalog lookup, a Markup and its ``%`` formatting).

What such a text renders stays what Jinja's new-style gettext renders: the translation, as
Markup in an autoescaped template (plain text otherwise), formatted with the call's named
values (``%`` escapes each value; ``%%`` is ``%``). A computed text, ``ngettext`` (its form
depends on the number), and every call in a template that binds a name ``_`` or ``gettext``
of its own stay calls to the render's gettext (i18n.py).

Every value a page prints goes through markupsafe's escaping, as Jinja's code does, without
the Markup object Jinja made of each only to join it into the page (:func:`_printed`).
"""
from __future__ import annotations

from collections import ChainMap
from gettext import NullTranslations
from typing import Any, Mapping, MutableMapping

from babel import Locale
from flask.templating import Environment
from flask_babel import get_translations
from jinja2 import Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, new_context
from jinja2.utils import internalcode
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, _escape_inner

from .kept_fragments import bind_reads
from .request_locale import current_locale

_GETTEXT = ("_", "gettext")


def _printed(value: Any) -> str:
    """What ``{{ value }}`` prints in an autoescaped template: markupsafe's ``escape`` without its
    Markup wrapper, which the render joins into a plain string at once (Markup's constructor
    is Python, ~0.3 µs, and a Markup value went through it twice). The same text: Markup as it
    is, anything with ``__html__`` by it, everything else escaped."""
    if type(value) is str:
        return _escape_inner(value)
    if type(value) is Markup:
        return value
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return _escape_inner(str(value))


class _PrintingCode(CodeGenerator):
    """Jinja's code, printing autoescaped values with :func:`_printed` (a template whose
    autoescaping changes while it renders keeps Jinja's choice per value)."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape or finalize.src is not None:
            return super()._output_child_pre(node, frame, finalize)
        self.write("_printed(")


class _Template(Template):
    """Jinja's template, with two of its per-render steps done with dicts and sets instead of
    reading the template's globals (a ChainMap: its own layer over the environment's ~20
    names) key by key in Python. The same names and values: only the work differs."""

    def new_context(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Mapping[str, Any] | None = None) -> Context:
        """Each render's context. Jinja copies the globals into it with ``dict(globals)``
        (~8 µs through a ChainMap's ``__getitem__``); layer by layer it is ~0.3 µs."""
        names = self.globals
        if isinstance(names, ChainMap):
            names = {}
            for layer in reversed(self.globals.maps):  # the template's own names over the environment's
                names.update(layer)
        return new_context(self.environment, self.name, self.blocks, vars, shared, names, locals)

    @classmethod
    def from_code(cls, environment: Any, code: Any, globals: MutableMapping[str, Any],
                  uptodate: Any = None) -> Template:
        """Jinja's, with :func:`_printed` in the compiled template's module."""
        namespace = {"environment": environment, "__file__": code.co_filename, "_printed": _printed}
        exec(code, namespace)
        template = cls._from_namespace(environment, namespace, globals)
        template._uptodate = uptodate
        return template

    @internalcode
    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        """What ``{% from "_macros.html" import ... %}`` (without context) imports: the module
        Jinja builds once, unless the importing render has globals this template lacks. Jinja
        finds those as ``ctx.globals_keys - self.globals.keys()``, which tests each name
        through the ChainMap's keys view (~10 µs per import, on every render);
        ``set.difference`` with the ChainMap's layers finds the same names in ~1 µs (with the
        ChainMap itself ~3 µs: iterating it builds a dict of every name)."""
        names = self.globals.maps if isinstance(self.globals, ChainMap) else (self.globals,)
        if ctx is not None and not ctx.globals_keys.difference(*names):
            ctx = None  # none missing: Jinja's cached module, as its own check would decide
        return super()._get_default_module(ctx)


class TranslatedTemplates(Environment):
    """Flask's environment, handing each template to an overlay of itself per catalog (the
    render's: Flask-Babel's ``get_translations``, the request's locale or ``force_locale``'s)
    that compiles and caches it with that catalog's texts; what a template loads while it
    renders (``extends``, ``import``) comes from the same overlay, without asking again."""

    catalog: NullTranslations | None = None  # the overlays'
    template_class = _Template
    code_generator_class = _PrintingCode

    def __init__(self, app: Any, **options: Any) -> None:
        super().__init__(app, **options)
        self._overlays: dict[tuple[str, ...], TranslatedTemplates] = {}
        self._by_locale: dict[Locale, TranslatedTemplates] = {}

    def for_locale(self, locale: Locale | None) -> TranslatedTemplates:
        """The overlay of the render's catalog; ``locale`` is the render's (``current_locale()``, from
        a caller that has it). Flask-Babel keeps one catalog per locale for the app's life, so
        its ``get_translations`` (~5 µs of context lookups per call, twice per render) is asked
        once per locale, the first time it is rendered in."""
        overlay = self._by_locale.get(locale) if locale is not None else None
        if overlay is not None:
            return overlay
        catalog = get_translations()
        # By the files read (fr_FR and fr_CA share fr's): a catalog's texts are its files'.
        key = tuple(catalog.files)
        overlay = self._overlays.get(key)
        if overlay is None:
            overlay = self.overlay()  # its own template cache; the same globals, filters, loader
            overlay.catalog = catalog
            overlay = self._overlays.setdefault(key, overlay)
        if locale is not None:
            self._by_locale[locale] = overlay
        return overlay

    @internalcode
    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:
        if self.catalog is not None:
            return super()._load_template(name, globals)
        return self.for_locale(current_locale())._load_template(name, globals)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.catalog is not None and not any(n.name in _GETTEXT and n.ctx != "load" for n in tree.find_all(nodes.Name)):
            tree = _FixedTexts(self.catalog).visit(tree)
        return bind_reads(tree, name)  # what each kept part reads, once its fixed texts are in


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
