"""upsert_if_changed's comparison of stored JSON with the values a launch brings: the stored
texts are parsed once and kept (upsert._parsed); the answers must be json.loads's."""
import json
import random

from adapter.persistence import upsert
from adapter.persistence.tables import memberships, resource_links


def _holds(table, name, stored_text, wanted):
    return upsert._all_hold(table, {"id": 1, name: stored_text}, {name: wanted}, [name], {})


def test_a_kept_parse_compares_as_json_loads():
    rng = random.Random(18)
    values = [[], ["learner"], ["learner", "manager"], ["manager", "learner"], {}, {"a": "1"}, {"a": 1},
              {"a": "1", "b": [1, 2]}, {"b": [1, 2], "a": "1"}, {"title": "é"}, [1.0], [1], [True], [None], ["x" * 3000]]
    texts = [json.dumps(v) for v in values] + ['{"a": "1", "a": "2"}', '[NaN]', '{"title": "\\u00e9"}']
    pairs = [(rng.choice(texts), rng.choice(values)) for _ in range(2000)]
    for text, wanted in pairs * 2:  # the second time from the kept parses
        table, name = (resource_links, "custom") if isinstance(wanted, dict) else (memberships, "app_roles")
        assert _holds(table, name, text, wanted) == (json.loads(text) == wanted), (text, wanted)


def test_what_a_caller_changes_is_not_what_was_kept():
    wanted = ["learner"]
    assert _holds(memberships, "app_roles", '["learner"]', wanted)
    wanted.append("manager")  # the launch's own list, changed after a comparison
    assert not _holds(memberships, "app_roles", '["learner"]', wanted)
    assert _holds(memberships, "app_roles", '["learner"]', ["learner"])


def test_kept_parses_stay_within_their_limits():
    upsert._PARSED.clear()
    for n in range(upsert.JSON_TEXTS_KEPT + 10):
        assert _holds(memberships, "app_roles", json.dumps([f"r{n}"]), [f"r{n}"])
    assert len(upsert._PARSED) <= upsert.JSON_TEXTS_KEPT
    long_text = json.dumps(["x" * upsert.JSON_TEXT_KEPT])
    assert _holds(memberships, "app_roles", long_text, ["x" * upsert.JSON_TEXT_KEPT])
    assert long_text not in upsert._PARSED
