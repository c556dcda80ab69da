"""KeptAnswers: what the hot paths keep per key, bounded (adapter/domain/kept_answers.py)."""
from __future__ import annotations

from adapter.domain.kept_answers import KeptAnswers


def test_an_answer_kept_is_found_by_its_key_and_handed_back():
    kept = KeptAnswers(3)
    assert kept.keep(("a", 1), "first") == "first"
    assert kept.get(("a", 1)) == "first"
    assert kept.get(("b", 1)) is None


def test_what_is_kept_starts_over_when_full_rather_than_grows():
    kept = KeptAnswers(3)
    for n in range(3):
        kept.keep(n, str(n))
    assert dict(kept) == {0: "0", 1: "1", 2: "2"}
    kept.keep(3, "3")  # full: everything kept before is forgotten
    assert dict(kept) == {3: "3"}
    for n in range(4, 20):
        kept.keep(n, str(n))
        assert len(kept) <= 3


def test_keeping_a_key_again_replaces_its_answer():
    kept = KeptAnswers(2)
    kept.keep("k", 1)
    kept.keep("k", 2)
    assert dict(kept) == {"k": 2}
