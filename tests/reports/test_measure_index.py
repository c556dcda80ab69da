"""The measure index (adapter/reports/index.py) names every measure the dashboards show,
once, with its definition text, and every implementation it names exists."""
from __future__ import annotations

from importlib import import_module

import pytest

from adapter.reports.index import INDEX, SUMMARY, entry_for
from adapter.reports.measures import DATED_KINDS, Facts, measures


def resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    try:
        return getattr(import_module(module), name)
    except ModuleNotFoundError:  # a method: module.Class.method
        module, _, owner = module.rpartition(".")
        return getattr(getattr(import_module(module), owner), name)


def test_every_measure_shown_has_one_entry_with_its_definition():
    shown = measures(Facts())
    indexed = [key for entry in INDEX for key in entry.keys]
    assert sorted(indexed) == sorted(m.key for m in shown)
    for measure in shown:
        assert entry_for(measure.key).definition.replace(" N ", f" {measure.key.removeprefix('applied_')} ") \
            == measure.definition


@pytest.mark.parametrize("entry", INDEX, ids=[entry.keys[0] for entry in INDEX])
def test_every_named_implementation_exists(entry):
    for dotted in (entry.record, entry.reference, entry.live, entry.from_lrs, *SUMMARY):
        assert callable(resolve(dotted)), dotted
    assert entry.summary_kind in DATED_KINDS
