"""A part of a page rendered once per everything it reads and kept: ``{% kept %}…{% endkept %}``.

The part is compiled as a caller whose parameters are every name it reads (found by Jinja's own
symbol analysis, after the fixed texts are compiled in), so it can read nothing else; each render
passes the values of those names, and the part's text is kept per template, locale and those
values. A value is part of the key when it is plain data — None, bool, int, str, and lists,
tuples and dicts of them, each with its type — or a callable declared :func:`page_pure` (its output
depends only on its arguments and the render's locale and catalog), or a macro of a template whose
every name and filter is such (:data:`KEPT_MACROS`, checked when first used). Any other value (a
domain object, a lazy text, an undefined name, a view's own callable) renders the part as if it
were not kept. A part may use only the filters and tests of :data:`PURE_FILTERS` and
:data:`PURE_TESTS` and may not include or import templates (a template error says so). The
request's CSRF field is the one per-session text: the kept text is split at it and joined with
the asking request's field (every printed value is escaped, so only ``csrf()`` prints an
``<input``; a session's token is random, so no template text holds it).

A whole page is kept the same way by :func:`render_page` (the names its templates read, the ones it
extends included; the navigation and the header as page inputs, :func:`page_input`, with their keys).

Why: the learner's landing is the same for every learner who has no records yet on an activity
(every first launch into it), but for the session's token; its content is ~135 µs of a launch's
render, a kept text's lookup a few µs.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

from flask import Flask, current_app, has_request_context
from flask.signals import before_render_template, template_rendered
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.runtime import Macro
from markupsafe import Markup

from adapter.domain.kept_answers import KeptAnswers

from .auth import with_csrf_field
from .request_locale import current_locale

# Filters and tests whose output depends only on their arguments and the render's locale
# (formatting.py, i18n.py) or, Jinja's, on their arguments alone.
PURE_FILTERS = frozenset({"activity_name", "day", "day_text", "number", "numbered", "rule_problem", "translate",
                          "first", "join", "length", "selectattr", "string"})
PURE_TESTS = frozenset({"none", "eq"})
KEPT_MACROS = ("_macros.html",)  # templates whose macros a kept part may call
_KEPT = 256  # texts per environment (catalog; a learner landing ~6 KB)
_HEADERS_KEPT = 1024  # page headers per environment (navigation.page_header): keyed by the page's path too
_REFUSED = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Block, nodes.ContextReference,
            nodes.DerivedContextReference, nodes.EvalContextModifier, nodes.ExtensionAttribute, nodes.ImportedName)

_READING_METHODS = frozenset({"get", "items", "keys", "values"})  # a dict's, reading it
_MACRO_NAMES = frozenset({"caller", "varargs", "kwargs"})  # a caller's own: not a kept part's
_PAGE_PURE: dict[int, Callable] = {}  # each kept alive here: no other object can take its identity
# A page input's key, per callable (kept alive here too): what its output depends on beside its arguments.
_PAGE_INPUTS: dict[int, tuple[Callable, Callable[[dict[str, Any]], Any]]] = {}


def page_pure(function: Callable) -> Callable:
    """Declares that ``function``'s output depends only on its arguments and the render's locale
    and catalog (or is the request's CSRF field): a kept part may call it."""
    _PAGE_PURE[id(_by_identity(function))] = function
    return function


def _by_identity(function: Callable) -> Callable:
    """A key holds it by identity: it may not be one of the types that start a plain value (_put)."""
    if function in _SCALARS or function in _CONTAINERS:
        raise TypeError(f"{function} starts a plain value in a key: it cannot be kept by identity")
    return function


def page_input(key_of: Callable[[dict[str, Any]], Any]) -> Callable[[Callable], Callable]:
    """Declares that a callable's output depends only on its arguments, the render's locale and
    catalog, and what ``key_of(values)`` answers in the asking request (``values``: the render's,
    the context processors' under the view's; None: the page cannot be kept): a kept page may
    call it (:func:`render_page`), its key holding that answer."""

    def declared(function: Callable) -> Callable:
        _PAGE_INPUTS[id(_by_identity(function))] = (function, key_of)
        return function

    return declared


class _Reads(CodeGenerator):
    """Jinja's code generator, not writing: the names a template body looks up (as
    ``jinja2.meta``'s, but the environment's globals too — a kept part's key must have them)."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment, "<kept>", "<kept>")
        self.names: set[str] = set()

    def write(self, x: str) -> None:
        pass

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        self.names.update(param for action, param in frame.symbols.loads.values() if action == "resolve")


def names_read(environment: Any, body: list[nodes.Node]) -> list[str]:
    reads = _Reads(environment)
    reads.visit(nodes.Template(body).set_environment(environment))
    return sorted(reads.names)


def _checked(body: list[nodes.Node], name: str | None, lineno: int, page: bool = False) -> None:
    """What a kept part (or a kept macro) may do: pure filters and tests, no other template, no
    method but a plain value's reading ones, ``url_for`` of a fixed endpoint without options
    (one that a relative endpoint's blueprint, or the request's host, would change). A kept
    page (``page``) may also extend a template by name, have blocks, kept parts and the kept
    macros imported without context, but not refer to ``self`` or ``super``."""
    for node in nodes.Template(body).find_all((nodes.Filter, nodes.Test, nodes.Call, nodes.Name, *_REFUSED)):
        if isinstance(node, nodes.Name):
            refused = node.name if page and node.name in _PAGE_REFUSED_NAMES else None
        elif page and isinstance(node, _PAGE_NODES):
            refused = None if _page_may(node) else f"this {node.__class__.__name__}"
        elif isinstance(node, nodes.Filter):
            refused = None if node.name in PURE_FILTERS else f"the filter {node.name}"
            if node.name == "selectattr" and len(node.args) > 1 and not (  # its test, by name
                    isinstance(node.args[1], nodes.Const) and node.args[1].value in PURE_TESTS):
                refused = "selectattr but with a pure test"
        elif isinstance(node, nodes.Test):
            refused = None if node.name in PURE_TESTS else f"the test {node.name}"
        elif isinstance(node, nodes.Call):
            refused = _refused_call(node)
        else:
            refused = node.__class__.__name__
        if refused:
            raise TemplateSyntaxError(f"a kept part may not use {refused}", node.lineno or lineno, name)


_PAGE_NODES = (nodes.Extends, nodes.Block, nodes.FromImport, nodes.ExtensionAttribute)
_PAGE_REFUSED_NAMES = frozenset({"self", "super"})  # the template's blocks, as the render resolves them


def _page_may(node: nodes.Node) -> bool:
    if isinstance(node, nodes.Extends):
        return isinstance(node.template, nodes.Const) and isinstance(node.template.value, str)
    if isinstance(node, nodes.FromImport):
        return isinstance(node.template, nodes.Const) and node.template.value in KEPT_MACROS and not node.with_context
    if isinstance(node, nodes.ExtensionAttribute):
        return node.identifier == KeptFragments.identifier  # a kept part's call
    return True  # a block: the template's own, found by name (the key has the template's name)


def _refused_call(call: nodes.Call) -> str | None:
    if isinstance(call.node, nodes.Getattr):
        return None if call.node.attr in _READING_METHODS else f"the method {call.node.attr}"
    if isinstance(call.node, nodes.Name) and call.node.name == "url_for" and not (
            call.args and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str)
            and not call.args[0].value.startswith(".") and call.dyn_args is None and call.dyn_kwargs is None
            and not any(keyword.key.startswith("_") for keyword in call.kwargs)):
        return "url_for but of a fixed endpoint without options"
    return None


class KeptFragments(Extension):
    tags = {"kept"}

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._keep_nothing_yet()

    def bind(self, environment: Any) -> Extension:
        bound = super().bind(environment)
        bound._keep_nothing_yet()  # an overlay (a catalog) keeps its own
        return bound

    def _keep_nothing_yet(self) -> None:
        self.texts = KeptAnswers(_KEPT)
        self.macros: dict[int, Macro] | None = None
        self.pages = KeptAnswers(_KEPT)  # kept pages (render_page)
        self.headers = KeptAnswers(_HEADERS_KEPT)  # kept page headers (navigation.page_header)
        self.page_reads: dict[str, tuple[str, ...]] = {}  # per template: the names its page reads
        # One thread finds what a page or the kept macros read (~40 ms for the learner page); a worker's
        # other threads, racing to their first page, wait for it rather than each doing it again.
        self.analysing = threading.Lock()

    def parse(self, parser: Any) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endkept",), drop_needle=True)
        _checked(body, parser.name, lineno)
        # Its names are bound once the template's fixed texts are compiled in (bind_reads).
        call = self.call_method("_kept", [nodes.Const(f"{parser.name}:{lineno}:{uuid.uuid4()}"), nodes.List([])])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _kept(self, part: str, values: list[Any], caller: Macro) -> Markup:
        key = self._key(values) if has_request_context() else None
        if key is None:
            return caller(*values)
        return with_csrf_field(self.texts, (part, current_locale(), key), lambda: caller(*values))

    def _key(self, values: list[Any], page: dict[str, Any] | None = None) -> tuple | None:
        """The values as a key: plain data as data with its type, page-pure callables and kept
        macros by identity (kept alive by the key: no other object can take their identity),
        on a page (``page``: the render's values) a page input by identity with its key; None:
        not kept."""
        macros = self.macros if self.macros is not None else self._kept_macros()
        key: list[Any] = []
        put = key.append
        for value in values:
            kind = type(value)
            if kind in _SCALARS:
                put(kind)
                put(value)
            elif kind in _CONTAINERS:
                if not _put(value, put):
                    return None
            elif _PAGE_PURE.get(id(value)) is value or macros.get(id(value)) is value:
                put(value)
            else:
                declared = _PAGE_INPUTS.get(id(value)) if page is not None else None
                if declared is None or declared[0] is not value:
                    return None
                input_key = declared[1](page)
                if input_key is None:
                    return None
                put(value)
                put(input_key)
        return tuple(key)

    def page_key(self, name: str, values: dict[str, Any]) -> tuple | None:
        """The key of the page ``name`` rendered with ``values`` (the render's, processors' included):
        the value of every name it reads, as the render would resolve it; None: not kept."""
        reads = self.page_reads.get(name)
        if reads is None:
            with self.analysing:
                reads = self.page_reads.get(name)
                if reads is None:
                    reads = self.page_reads[name] = self._page_reads(name)
        names = self.environment.globals
        found = []
        for read in reads:
            value = values.get(read, _MISSING)
            if value is _MISSING:
                value = names.get(read, _MISSING)
                if value is _MISSING:  # undefined: rendered each time
                    return None
            found.append(value)
        return self._key(found, values)

    def _page_reads(self, name: str) -> tuple[str, ...]:
        """Every name the page reads (its templates' names, globals included), but the kept macros
        and the macros the template itself binds first, at its top, and nowhere else: checked
        as a kept part is, with the page's own rules."""
        environment = self.environment
        reads: set[str] = set()
        stored: set[str] = set()
        imported: set[str] = set()
        template: str | None = name
        while template is not None:
            tree = _source_tree(environment, template)
            _checked(tree.body, template, 1, page=True)
            reads.update(names_read(environment, tree.body))
            passed = {id(arg) for block in tree.find_all(nodes.CallBlock) if _is_kept(block) for arg in block.args}
            stored.update(node.name for node in tree.find_all(nodes.Name) if node.ctx != "load" and id(node) not in passed)
            if template == name:  # bound before any block or parent renders
                for node in tree.body:
                    if isinstance(node, nodes.FromImport):
                        imported.update(item[1] if isinstance(item, tuple) else item for item in node.names)
                    elif isinstance(node, nodes.Macro):  # what it reads is read (names_read)
                        imported.add(node.name)
            parent = tree.find(nodes.Extends)
            template = parent.template.value if parent is not None else None
        return tuple(sorted(reads - (imported - stored)))

    def _kept_macros(self) -> dict[int, Macro]:
        """The macros of :data:`KEPT_MACROS` as imported without context, once their templates are
        found to read only page-pure globals and to use only pure filters and tests."""
        with self.analysing:
            if self.macros is None:
                self.macros = self._checked_macros()
        return self.macros

    def _checked_macros(self) -> dict[int, Macro]:
        macros = {}
        for name in KEPT_MACROS:
            template = self.environment.get_template(name)
            tree = _source_tree(self.environment, name)
            _checked(tree.body, name, 1)
            for read in names_read(self.environment, tree.body):
                value = template.globals.get(read)
                if _PAGE_PURE.get(id(value)) is not value:
                    raise TemplateSyntaxError(f"{name} reads {read}, not page-pure: its macros cannot be kept", 1, name)
            macros.update((id(value), value) for value in vars(template.module).values() if isinstance(value, Macro))
        return macros


_MISSING = object()
_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({list, tuple, dict})


def _put(value: Any, put: Callable[[Any], None]) -> bool:
    """Puts ``value`` in a key (``put``: its list's append) if it is plain data (False: it is not):
    its type (1, True and "1" print differently), then the scalar, or a container's length and
    items. A key is one flat tuple (hashed and compared in one pass, where nested pairs took a
    tuple each) that reads one way only: a type of these seven starts a value, and an object
    kept by identity (page-pure, a kept macro, a page input) is never one of them."""
    kind = type(value)
    if kind in _SCALARS:
        put(kind)
        put(value)
        return True
    if kind is list or kind is tuple:
        put(kind)
        put(len(value))
        for item in value:
            if not _put(item, put):
                return False
        return True
    if kind is dict:
        put(kind)
        put(len(value))
        for item in value.items():
            if not (_put(item[0], put) and _put(item[1], put)):
                return False
        return True
    return False


def plain_key(value: Any) -> tuple | None:
    """``value`` as a key if it is plain data; None: it cannot be kept."""
    key: list[Any] = []
    return tuple(key) if _put(value, key.append) else None


def _source_tree(environment: Any, name: str) -> nodes.Template:
    """Template ``name``'s syntax tree, parsed from its source (a loaded template keeps none)."""
    return environment.parse(environment.loader.get_source(environment, name)[0], name)


def _is_kept(block: nodes.CallBlock) -> bool:
    return isinstance(block.call.node, nodes.ExtensionAttribute) and block.call.node.identifier == KeptFragments.identifier


def bind_reads(tree: nodes.Template, name: str | None) -> nodes.Template:
    """Each kept part's caller takes, and its call passes, every name the part reads."""
    for block in tree.find_all(nodes.CallBlock):
        call = block.call
        if _is_kept(block):
            reads = names_read(tree.environment, block.body)
            if _MACRO_NAMES.intersection(reads):
                raise TemplateSyntaxError("a kept part may not read caller, varargs or kwargs", block.lineno, name)
            call.args[1] = nodes.List([nodes.Name(read, "load") for read in reads])
            block.args = [nodes.Name(read, "param") for read in reads]
    return tree


def render_page(template: str, **values: Any) -> str:
    """Flask's ``render_template`` of a whole page, kept as a kept part is: per template, locale
    and the value of every name its templates read (the view's and the context processors'
    values, the globals), when each is plain data, page-pure, a kept macro or a page input
    (:func:`page_input`: with its key), the request's CSRF field put in. Rendered as Flask
    renders otherwise, and while anything listens to Flask's template signals (a kept page
    would not send them).

    Why: the learner's landing on a launch is the same page for every learner without records
    on an activity but for the token; its render, base.html's parts and Flask's glue, was
    ~180 µs of a launch under load, where the kept page is its key and a join."""
    app = current_app._get_current_object()
    app.update_template_context(values)  # the processors' values, under the view's
    if before_render_template.receivers or template_rendered.receivers or not has_request_context():
        return _rendered(app, template, values)
    locale = current_locale()
    kept = app.jinja_env.for_locale(locale).extensions[KeptFragments.identifier]
    key = kept.page_key(template, values)
    if key is None:
        return _rendered(app, template, values)
    return with_csrf_field(kept.pages, (template, locale, key), lambda: _rendered(app, template, values))


def _rendered(app: Flask, name: str, values: dict[str, Any]) -> str:
    """Flask's ``render_template`` after its context processors (``values`` has theirs)."""
    template = app.jinja_env.get_or_select_template(name)
    before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template, context=values)
    text = template.render(values)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=values)
    return text


def init_app(app: Flask) -> None:
    """After the globals are in: the CSRF field (put back per request), the form fields' problems,
    Jinja's range and Flask-Babel's gettext callables (the render's catalog)."""
    app.jinja_env.add_extension(KeptFragments)
    for name in ("csrf", "field_error", "invalid", "range", "_", "gettext", "ngettext"):
        page_pure(app.jinja_env.globals[name])
