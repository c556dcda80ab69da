"""Flask's default context processor (the template's ``g`` and ``request``) runs once per render,
in a blueprint's page too: Flask seeds each blueprint with it as well as the app."""
from __future__ import annotations

from flask.templating import _default_template_ctx_processor

from .signed_in import signed_in_learner


def test_a_page_in_a_blueprint_runs_flasks_default_context_processor_once(tmp_path):
    _, client = signed_in_learner(tmp_path)
    app, calls = client.application, []

    def counted():
        calls.append(1)
        return _default_template_ctx_processor()

    for processors in app.template_context_processors.values():
        processors[:] = [counted if f is _default_template_ctx_processor else f for f in processors]
    page = client.get("/learner/", base_url="https://localhost")
    assert b"Your activity" in page.data and b"<html" in page.data
    assert len(calls) == 1
