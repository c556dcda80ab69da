"""An erased manager's records stay with their learner; wherever people read who wrote them,
the erased manager is "Name removed" in the reader's language, never the pseudonym the
erasure left on their row (the records stay linked by id)."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from adapter.domain.relationships import ManagerLink
from adapter.persistence import people_store, relationships_store
from adapter.persistence.tables import people
from adapter.services.personal_data import Actor, erase_person_by_id

from .test_export import seed
from .test_pages import get, signed_in

REMOVED = {"en": "Name removed", "de": "Name entfernt", "es": "Nombre eliminado", "fr": "Nom supprimé"}


def _erase_manager(world) -> str:
    """Erase the world's manager after they recorded a check-in (an action agreed in it) and
    validated the learner's application; the pseudonym left on their row."""
    seed(world)
    assert erase_person_by_id(world.engine, world.platform_id, world.manager_id, Actor(None, "command line"),
                              time.time()).erased
    with world.engine.connect() as conn:
        pseudonym = conn.execute(select(people.c.sub).where(people.c.id == world.manager_id)).scalar_one()
    assert pseudonym.startswith("erased-")
    return pseudonym


def _learner(tool, world):
    return signed_in(tool, world.engine, app_role="learner", app_roles=["learner"], person_id=world.learner_id,
                     platform_id=world.platform_id, context_pk=world.context_pk, resource_link_pk=world.link_pk)


@pytest.mark.parametrize("language", sorted(REMOVED))
def test_the_learners_pages_name_an_erased_manager_in_words_of_their_language(tool, world, language):
    pseudonym = _erase_manager(world)
    learner = _learner(tool, world)
    removed = REMOVED[language]
    home = learner.get("/learner/", base_url="https://localhost", headers={"Accept-Language": language})
    page = home.get_data(as_text=True)
    assert home.status_code == 200 and pseudonym not in page
    # who validated, who decided, who held the check-in, with whom the action was agreed
    assert page.count(removed) >= 3, page
    todo = learner.get("/learner/todo", base_url="https://localhost", headers={"Accept-Language": language})
    assert removed in todo.get_data(as_text=True) and pseudonym not in todo.get_data(as_text=True)  # rate it


def test_the_learners_english_page_says_who_validated(tool, world):
    pseudonym = _erase_manager(world)
    page = get(_learner(tool, world), "/learner/").get_data(as_text=True)
    assert "Name removed confirmed on" in page and pseudonym not in page


def test_their_new_managers_page_names_the_erased_one_in_words(tool, world):
    pseudonym = _erase_manager(world)
    with world.engine.begin() as conn:
        new_manager = people_store.save_person(conn, world.platform_id, f"new-{world.manager_sub}",
                                               {"name": "Nadia New", "email": "nadia@example.org"}, time.time())
        relationships_store.link_manager(conn, ManagerLink(world.learner_id, new_manager), "import", time.time())
    manager = signed_in(tool, world.engine, app_role="manager", app_roles=["manager"], person_id=new_manager,
                        platform_id=world.platform_id, context_pk=world.context_pk)
    page = manager.get(f"/manager/team/{world.learner_id}", base_url="https://localhost",
                       headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Name entfernt" in page and pseudonym not in page


def test_the_learners_own_download_names_the_erased_manager_by_id_and_words(tool, world):
    pseudonym = _erase_manager(world)
    mine = get(_learner(tool, world), "/learner/my-data.json").get_json()
    assert pseudonym not in json.dumps(mine)
    assert [c["manager"] for c in mine["conversations"]] == [
        {"id": world.manager_id, "name": "Name removed", "email": "", "lms_user_id": ""}]
