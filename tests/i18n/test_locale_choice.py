"""Which language a page speaks: the launch's locale, then the person's saved choice, then
Accept-Language, then the platform's default, then English; the switcher and the admin's
default save those choices, behind CSRF and scope checks."""
from __future__ import annotations

import re
import time

import pytest

from adapter.config import Settings
from adapter.persistence import people_store
from adapter.persistence.session_store import start_session
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import create_app
from adapter.web.auth import SESSION_COOKIE
from adapter.web.i18n import supported_locale

BASE = "https://localhost"


class Tool:
    def __init__(self, app):
        self.app = app
        self.engine = app.extensions["coachbridge"].engine
        self.platforms = [self._platform(n) for n in (1, 2)]
        self.people: dict[str, int] = {}

    def _platform(self, n: int) -> int:
        lms = f"https://lms{n}.example.org"
        return register_platform(self.engine, PlatformSpec(issuer=lms, client_id="c", auth_login_url=lms + "/a",
                                                           key_set_url=lms + "/k"))

    def launch(self, sub: str, locale: str | None = None, role: str = "learner", platform: int = 0):
        """A signed-in browser, as after a launch that sent ``locale`` (None: no locale claim)."""
        platform_id = self.platforms[platform]
        with self.engine.begin() as conn:
            person_id = people_store.save_person(conn, platform_id, sub, {"name": sub.title()}, time.time())
            presentation = {"document_target": "iframe", **({"locale": locale} if locale is not None else {})}
            token, session = start_session(conn, now=time.time(), lifetime=600, person_id=person_id,
                                           platform_id=platform_id, context_pk=None, resource_link_pk=None,
                                           app_role=role, app_roles=[role],
                                           launch={"launch_presentation": presentation})
        self.people[sub] = person_id
        client = self.app.test_client()
        client.set_cookie(SESSION_COOKIE, token, domain="localhost")
        client.csrf = session.csrf_token
        return client


@pytest.fixture
def tool(tmp_path):
    return Tool(create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)})))


def lang_of(client, path="/learner/", **headers) -> str:
    page = client.get(path, base_url=BASE, headers=headers)
    assert page.status_code == 200, page.data[:500]
    return re.search(rb'<html lang="([^"]+)" dir="(ltr|rtl)">', page.data).group(1).decode()


def switch(client, locale: str, next_page: str = "/learner/"):
    return client.post("/language", base_url=BASE, data={"csrf_token": client.csrf, "locale": locale,
                                                         "next": next_page})


@pytest.mark.parametrize("tag, served", [
    ("fr-FR", "fr_FR"), ("fr_FR", "fr_FR"), ("fr", "fr"), ("de-CH", "de_CH"), ("es-419", "es_419"), ("en-GB", "en_GB"),
    ("pt-BR", None), ("", None), ("not a locale", None), ("en@pseudo", None), (42, None),
])
def test_lms_and_browser_spellings_become_the_locale_served(tool, tag, served):
    with tool.app.test_request_context():
        assert supported_locale(tag) == served


def test_the_launch_locale_comes_first_and_the_page_says_so(tool):
    browser = tool.launch("ana", "fr-FR")
    assert lang_of(browser, **{"Accept-Language": "de"}) == "fr-FR"
    page = browser.get("/learner/", base_url=BASE).get_data(as_text=True)
    assert 'lang="fr" selected' in page  # the switcher shows the page's language


def test_a_choice_made_in_the_tool_sticks_until_the_lms_asks_for_another_locale(tool):
    browser = tool.launch("ana", "fr-FR")
    answer = switch(browser, "de", "/learner/?tab=open")
    assert answer.status_code == 303 and answer.headers["Location"] == "/learner/?tab=open"
    assert lang_of(browser) == "de"
    assert lang_of(tool.launch("ana", "fr_FR")) == "de"  # next visit, the LMS asks for the same locale
    assert lang_of(tool.launch("ana", "es")) == "es"  # the LMS now asks for another one: it wins
    assert lang_of(tool.launch("ana", None), **{"Accept-Language": "fr"}) == "de"  # no launch locale: the choice


def test_without_a_launch_locale_the_browser_then_the_platform_default_then_english(tool):
    browser = tool.launch("bo")
    assert lang_of(browser, **{"Accept-Language": "pt-BR, de-AT;q=0.8, fr;q=0.5"}) == "de-AT"
    assert lang_of(browser) == "en"
    admin = tool.launch("ada", role="admin")
    answer = admin.post(f"/admin/platforms/{tool.platforms[0]}/language", base_url=BASE,
                        data={"csrf_token": admin.csrf, "locale": "es"})
    assert answer.status_code == 303
    assert 'value="es" lang="es" selected' in admin.get(answer.headers["Location"], base_url=BASE).get_data(as_text=True)
    assert lang_of(browser) == "es"
    assert lang_of(browser, **{"Accept-Language": "fr"}) == "fr"
    assert lang_of(tool.launch("cy", platform=1)) == "en"  # the other platform keeps its own default
    admin.post(f"/admin/platforms/{tool.platforms[0]}/language", base_url=BASE,
               data={"csrf_token": admin.csrf, "locale": ""})
    assert lang_of(browser) == "en"


def test_the_switcher_refuses_forged_unknown_and_offsite_requests(tool):
    browser = tool.launch("ana")
    assert browser.post("/language", base_url=BASE, data={"locale": "fr", "next": "/learner/"}).status_code == 403
    assert switch(browser, "pt").status_code == 400
    assert switch(browser, "en@pseudo").status_code == 400  # the pseudo-locales are off
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        answer = switch(browser, "fr", elsewhere)
        assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert lang_of(browser) == "fr"


def test_an_admin_sets_only_their_own_platforms_default(tool):
    admin = tool.launch("ada", role="admin", platform=1)
    answer = admin.post(f"/admin/platforms/{tool.platforms[0]}/language", base_url=BASE,
                        data={"csrf_token": admin.csrf, "locale": "de"})
    assert answer.status_code == 404
    assert lang_of(tool.launch("bo")) == "en"
    learner = tool.launch("cy", platform=1)
    assert learner.post(f"/admin/platforms/{tool.platforms[1]}/language", base_url=BASE,
                        data={"csrf_token": learner.csrf, "locale": "de"}).status_code == 403
    assert admin.post(f"/admin/platforms/{tool.platforms[1]}/language", base_url=BASE,
                      data={"csrf_token": admin.csrf, "locale": "xx"}).status_code == 400


def test_error_pages_give_a_plain_reason_of_their_own_when_the_refusal_gave_none(tool):
    missing = tool.launch("ana").get("/no-such-page", base_url=BASE).get_data(as_text=True)
    assert "There is no such page." in missing and "requested URL" not in missing  # not werkzeug's English
    refused = tool.launch("bo").post("/language", base_url=BASE, data={"locale": "fr"}).get_data(as_text=True)
    assert "This form has expired or did not come from the tool" in refused  # the refusing code's own words
