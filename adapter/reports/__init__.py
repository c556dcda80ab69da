"""The outcome measures: what they mean, and every place that computes them.

- ``measures.py``: the definitions (the text people read beside each figure), the
  record-level values a measure looks at, and the reference computation (``tally``);
- ``index.py``: for each measure, its definition and its implementations — live SQL for
  the manager and instructor dashboards, the kept summary for the admin dashboard, and
  the reading of LRS statements (``coachbridge report --from-lrs``);
- ``from_lrs.py``: the measures from statements alone;
- ``dashboards.py``: the dashboards per audience, cut to what the asker may see, and CSV.

The SQL lives in adapter/persistence (``report_queries.py`` live, ``report_summaries.py``
the summary), like all SQL; tests/reports proves the three agree on a hand-worked organisation.
"""
