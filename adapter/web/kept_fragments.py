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

Why: the learner's landing is the same for every learner who has no records yet on an activity
(every first launch into it), but for the session's token; its content is ~135 µs of a launch's
render, a kept text's lookup a few µs.
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

from flask import Flask, has_request_context
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.runtime import Macro
from markupsafe import Markup

from .auth import with_csrf_field
from .request_locale import current_locale

# Filters and tests whose output depends only on their arguments and the render's locale
# (formatting.py, i18n.py) or, Jinja's, on their arguments alone.
PURE_FILTERS = frozenset({"activity_name", "day", "day_text", "number", "numbered", "rule_problem", "translate",
                          "first", "join", "length", "selectattr", "string"})
PURE_TESTS = frozenset({"none", "eq"})
KEPT_MACROS = ("_macros.html",)  # templates whose macros a kept part may call
_KEPT = 256  # texts per environment (catalog; a learner landing ~6 KB): start over rather than grow
_REFUSED = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Block, nodes.ContextReference,
            nodes.DerivedContextReference, nodes.EvalContextModifier, nodes.ExtensionAttribute, nodes.ImportedName)

_READING_METHODS = frozenset({"get", "items", "keys", "values"})  # a dict's, reading it
_MACRO_NAMES = frozenset({"caller", "varargs", "kwargs"})  # a caller's own: not a kept part's
_PAGE_PURE: dict[int, Callable] = {}  # each kept alive here: no other object can take its identity


def page_pure(function: Callable) -> Callable:
    """Declares that ``function``'s output depends only on its arguments and the render's locale
    and catalog (or is the request's CSRF field): a kept part may call it."""
    _PAGE_PURE[id(function)] = function
    return function


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


def _checked(body: list[nodes.Node], name: str | None, lineno: int) -> None:
    """What a kept part (or a kept macro) may do: pure filters and tests, no other template, no
    method but a plain value's reading ones, ``url_for`` of a fixed endpoint without options
    (one that a relative endpoint's blueprint, or the request's host, would change)."""
    for node in nodes.Template(body).find_all((nodes.Filter, nodes.Test, nodes.Call, *_REFUSED)):
        if isinstance(node, nodes.Filter):
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
        self.texts: dict[tuple, list[str]] = {}
        self.macros: dict[int, Macro] | None = None

    def bind(self, environment: Any) -> Extension:
        bound = super().bind(environment)
        bound.texts, bound.macros = {}, None  # an overlay (a catalog) keeps its own
        return bound

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
        return with_csrf_field(self.texts, (part, current_locale(), key), _KEPT, lambda: caller(*values))

    def _key(self, values: list[Any]) -> tuple | None:
        """The values as a key: plain data as data with its type, page-pure callables and kept
        macros by identity (kept alive by the key: no other object can take their identity);
        None: not kept."""
        macros = self.macros if self.macros is not None else self._kept_macros()
        key = []
        for value in values:
            kind = type(value)
            if kind in _SCALARS:
                key.append((kind, value))
            elif kind in _CONTAINERS:
                try:
                    key.append(_plain(value))
                except _Unkept:
                    return None
            elif _PAGE_PURE.get(id(value)) is value or macros.get(id(value)) is value:
                key.append(value)
            else:
                return None
        return tuple(key)

    def _kept_macros(self) -> dict[int, Macro]:
        """The macros of :data:`KEPT_MACROS` as imported without context, once their templates are
        found to read only page-pure globals and to use only pure filters and tests."""
        if self.macros is None:
            macros = {}
            for name in KEPT_MACROS:
                template = self.environment.get_template(name)
                tree = self.environment.parse(self.environment.loader.get_source(self.environment, name)[0], name)
                _checked(tree.body, name, 1)
                for read in names_read(self.environment, tree.body):
                    value = template.globals.get(read)
                    if _PAGE_PURE.get(id(value)) is not value:
                        raise TemplateSyntaxError(f"{name} reads {read}, not page-pure: its macros cannot be kept", 1, name)
                macros.update((id(value), value) for value in vars(template.module).values() if isinstance(value, Macro))
            self.macros = macros
        return self.macros


class _Unkept(Exception):
    pass


_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({list, tuple, dict})


def _plain(value: Any) -> Any:
    """``value`` as a key, with its type (1, True and "1" print differently), if it is plain data."""
    kind = type(value)
    if kind in _SCALARS:
        return kind, value
    if kind is list or kind is tuple:
        return kind, tuple([_plain(item) for item in value])
    if kind is dict:
        return kind, tuple([(_plain(k), _plain(v)) for k, v in value.items()])
    raise _Unkept(value)


def bind_reads(tree: nodes.Template, name: str | None) -> nodes.Template:
    """Each kept part's caller takes, and its call passes, every name the part reads."""
    for block in tree.find_all(nodes.CallBlock):
        call = block.call
        if isinstance(call.node, nodes.ExtensionAttribute) and call.node.identifier == KeptFragments.identifier:
            reads = names_read(tree.environment, block.body)
            if _MACRO_NAMES.intersection(reads):
                raise TemplateSyntaxError("a kept part may not read caller, varargs or kwargs", block.lineno, name)
            call.args[1] = nodes.List([nodes.Name(read, "load") for read in reads])
            block.args = [nodes.Name(read, "param") for read in reads]
    return tree


def init_app(app: Flask) -> None:
    """After the globals are in: the CSRF field (put back per request), the form fields' problems,
    Jinja's range and Flask-Babel's gettext callables (the render's catalog)."""
    app.jinja_env.add_extension(KeptFragments)
    for name in ("csrf", "field_error", "invalid", "range", "_", "gettext", "ngettext"):
        page_pure(app.jinja_env.globals[name])
