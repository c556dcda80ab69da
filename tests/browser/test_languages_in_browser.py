"""The pages in the launch's language, in Chromium, launched from the demo LMS with a
``launch_presentation.locale``:

- fr-FR and de-DE: every page carries lang/dir, writes dates the locale's way, and shows no
  English text the catalog translates (and no English at all once the catalog is complete);
- the accented pseudo-locale (en@pseudo, generated from messages.pot) walks every page of
  PAGES and lists any visible text that is not pseudo-translated: a string that escaped
  translation (not marked, or not extracted into the .pot);
- the right-to-left pseudo-locale (ar@pseudo): the layout mirrors and still fits at 390 px; its
  screenshots land in tests/artifacts/ (rtl-*.png).

axe-core stays at zero serious violations on every page looked at. One seeded team and one
browser context per persona and locale serve the whole module.
"""
from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po

from sqlalchemy import select

from adapter.demo.lms import COURSES, ROLE_LEARNER, ROLE_MENTOR, DemoPerson
from adapter.persistence.tables import deployments, people, platforms
from adapter.persistence.xapi_tables import lrs_endpoints
from adapter.reports.measures import REFERENCE_SOURCE
from adapter.translations import TEMPLATE, catalog_files
from tests.coaching.conftest import Launched, check_in_form, reflection_form
from tests.peers.lti_platform import browser, full_launch

from .conftest import check_accessibility

pytestmark = pytest.mark.browser
_serial = itertools.count(1)

# Every page a learner or a manager opens, by persona: (name, path). {ids} are the seeded records.
PAGES = {
    "learner": [("activity", "/learner/"), ("todo", "/learner/todo"), ("email", "/notifications/"),
                ("withdraw-reflection", "/learner/reflection/{reflection}/withdrawal"),
                ("my-data", "/learner/my-data.html"), ("not-found", "/learner/no-such-page")],
    "manager": [("team", "/manager/"), ("todo", "/manager/todo"), ("mentee", "/manager/team/{learner}"),
                ("conversation", "/manager/team/{learner}/conversation?template=check-in"),
                ("withdraw-conversation", "/manager/conversations/{conversation}/withdrawal"),
                ("outcomes", "/manager/reports"), ("by-manager", "/manager/reports/by-manager")],
    "instructor": [("course", "/instructor/"), ("outcomes", "/instructor/reports")],
    "admin": [("home", "/admin/"), ("platform", "/admin/platforms/{platform}"), ("lrs", "/admin/lrs"),
              ("relationships", "/admin/relationships"), ("people", "/admin/people"),
              ("outcomes", "/admin/reports")],
}


# The visible text of a page, less what is data rather than the tool's words: the language
# switcher (each language named in itself), dates and times (CLDR's, checked apart), code, and
# on a page in DATA_ONLY its data's own markup.
VISIBLE_TEXT = """(more) => {
  for (const data of document.querySelectorAll('#language-choice, #platform-language, time, code' + more)) data.remove();
  const labels = [...document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')]
    .map(e => ['aria-label', 'title', 'placeholder', 'alt'].map(a => e.getAttribute(a) || '').join(' '));
  return [document.title, document.body.innerText, ...labels].join('\\n');
}"""
# The person export's page: below its headings, the export's JSON (field names and values).
DATA_ONLY = {"my-data": ", main dl"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


def untranslated_words(text: str, data_words: set[str]) -> list[str]:
    """Words left once every pseudo-translated text ([…], nested when a value is itself one)
    is taken out, less the words of the data the page shows."""
    while True:
        stripped = re.sub(r"\[[^\[\]]*\]", " ", text)
        if stripped == text:
            break
        text = stripped
    return sorted({w for w in WORD.findall(text) if w.lower() not in data_words})


class Seeded:
    """A learner and their manager with a reflection, a validation request, a check-in and a
    nomination waiting for the manager's answer (so every page has records and notices on it),
    and an admin and instructor of the demo course."""

    def __init__(self, peers):
        n = next(_serial)
        self.peers = peers
        self.learner, self.manager = f"i18n-learner-{n}", f"i18n-manager-{n}"
        peers.lms.people[self.learner] = DemoPerson(self.learner, f"Lotte Sprache {n}", f"{self.learner}@example.org",
                                                    [ROLE_LEARNER])
        peers.lms.people[self.manager] = DemoPerson(self.manager, f"Mathis Langue {n}", f"{self.manager}@example.org",
                                                    [ROLE_MENTOR], mentees=[self.learner])
        learner, manager = self._launch(self.learner), self._launch(self.manager)
        learner.post("/learner/reflection", reflection_form(), "/learner/")
        learner.post("/learner/validation", {"evidence": "Ran the retro with SBI"}, "/learner/")
        self.ids = {"learner": int(re.search(r"/manager/team/(\d+)", manager.get("/manager/").text).group(1))}
        manager.post(f"/manager/team/{self.ids['learner']}/conversation", check_in_form(),
                     f"/manager/team/{self.ids['learner']}/conversation?template=check-in")
        self.ids["conversation"] = int(re.search(r"/manager/conversations/(\d+)/withdrawal",
                                                 manager.get(f"/manager/team/{self.ids['learner']}").text).group(1))
        self.ids["reflection"] = int(re.search(r"/learner/reflection/(\d+)/withdrawal",
                                               learner.get("/learner/").text).group(1))
        # someone else names the manager as theirs: every manager page shows the nomination notice
        nominator = f"i18n-nominator-{n}"
        peers.lms.people[nominator] = DemoPerson(nominator, f"Noor Nominiert {n}", f"{nominator}@example.org",
                                                 [ROLE_LEARNER])
        self._launch(nominator).post("/learner/nomination", {"manager_email": f"{self.manager}@example.org"},
                                     "/learner/")
        self.ids["platform"] = int(re.search(r"/admin/platforms/(\d+)",
                                             self._launch("admin-ada").get("/admin/").text).group(1))
        self.users = {"learner": self.learner, "manager": self.manager, "instructor": "instructor-ivan",
                      "admin": "admin-ada"}

    def _launch(self, user_id: str) -> Launched:
        client = browser()
        assert full_launch(self.peers, user_id, client=client).status_code == 200
        return Launched(user_id, client, self.peers.tool_url)

    def data_words(self) -> set[str]:
        """Words of what people and the LMS wrote, which no catalog translates."""
        texts = [p.name for p in self.peers.lms.people.values()] + [p.email for p in self.peers.lms.people.values()]
        texts += [link["title"] for link in self.peers.lms.links.values()] + [c["title"] for c in COURSES.values()]
        texts += list(reflection_form().values()) + list(check_in_form().values()) + ["Ran the retro with SBI"]
        texts += ["coachbridge", "JSON", "HTTP", "LMS", "LRS"]
        with self.peers.engine.connect() as conn:  # everyone the tool knows, and the LMSs' registrations
            texts += [value for row in conn.execute(select(people.c.name, people.c.email)) for value in row]
            texts += [value for row in conn.execute(select(platforms.c.name, platforms.c.issuer, platforms.c.client_id,
                                                           platforms.c.auth_login_url, platforms.c.key_set_url,
                                                           platforms.c.auth_token_url)) for value in row]
            texts += list(conn.execute(select(deployments.c.deployment_id)).scalars())
            # LRS endpoints other tests on the same tool added (their names and addresses are data)
            texts += [value for row in conn.execute(select(lrs_endpoints.c.name, lrs_endpoints.c.endpoint)) for value in row]
        return {w.lower() for text in texts for w in WORD.findall(str(text))}


@pytest.fixture(scope="module")
def seeded(peers):
    return Seeded(peers)


@pytest.fixture(scope="module")
def contexts(chromium, peers, seeded):
    """One browser context per (persona, locale, width), launched from the demo LMS in a new window."""
    opened = {}

    def context_for(persona: str, locale: str, width: int = 1280):
        key = (persona, locale, width)
        if key not in opened:
            context = chromium.new_context(viewport={"width": width, "height": 900}, locale="en-US")
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.goto(peers.lms.login_url(seeded.users[persona], "rl-feedback", locale=locale))
            page.wait_for_load_state("load")
            page.close()
            opened[key] = context
        return opened[key]

    yield context_for
    for context in opened.values():
        context.close()


def open_page(contexts, seeded, persona: str, locale: str, path: str, width: int = 1280):
    page = contexts(persona, locale, width).new_page()
    page.goto(seeded.peers.tool_url + path.format(**seeded.ids))
    page.wait_for_load_state("load")
    return page


def catalog_of(language: str) -> dict[str, str]:
    """msgid → msgstr of the shipped catalog, the messages it serves only (translated, not fuzzy;
    plural: the singular)."""
    with catalog_files()[language].open("rb") as po:
        catalog = read_po(po)
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): (m.string[0] if isinstance(m.string, tuple) else m.string)
            for m in catalog if m.id and not m.fuzzy and (m.string[0] if isinstance(m.string, tuple) else m.string)}


def visible_text(page, name: str) -> str:
    return page.evaluate(VISIBLE_TEXT, DATA_ONLY.get(name, ""))


def english_texts_on(page, name: str) -> set[str]:
    """Each visible line of the page, as a set of whole texts."""
    return {line.strip() for line in visible_text(page, name).splitlines() if line.strip()}


@pytest.mark.parametrize("tag, language, lang", [("fr-FR", "fr", "fr-FR"), ("de-DE", "de", "de-DE")])
def test_a_launch_in_french_or_german_speaks_it_on_every_page(contexts, seeded, tag, language, lang):
    translated = catalog_of(language)
    # "Team", "Person": some words are the same in both languages, and may stay
    reworded = {msgid for msgid, text in translated.items() if text != msgid}
    with TEMPLATE.open("rb") as pot:
        msgids = {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in read_po(pot) if m.id}
    simple = {msgid for msgid in msgids if "%" not in msgid}  # whole texts a page shows as they are
    leftovers, untranslated_on_pages = {}, set()
    for persona in ("learner", "manager"):
        for name, path in PAGES[persona]:
            page = open_page(contexts, seeded, persona, tag, path)
            assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [lang, "ltr"], name
            for stamp in page.locator("main time").all():  # dates as the locale writes them
                iso = stamp.get_attribute("datetime")
                assert stamp.inner_text() == format_date(date.fromisoformat(iso), "medium", locale=lang.replace("-", "_"))
            lines = english_texts_on(page, name)
            english = {line for line in lines if line in simple}
            leaked = english & reworded  # the catalog translates it, the page did not use it
            if leaked:
                leftovers[f"{persona}/{name}"] = sorted(leaked)
            untranslated_on_pages |= english - set(translated)
            if name in ("activity", "team", "mentee"):
                check_accessibility(page, f"{language}-{persona}-{name}-1280", page)
            page.close()
    assert not leftovers, f"English shown although the {language} catalog translates it: {leftovers}"
    complete = len(translated) == len(msgids)
    if untranslated_on_pages and not complete:
        pytest.xfail(f"the {language} catalog is not complete yet ({len(translated)}/{len(msgids)}); "
                     f"English on the pages until it is: {sorted(untranslated_on_pages)[:10]}")
    assert not untranslated_on_pages, f"English on {language} pages: {sorted(untranslated_on_pages)}"


def test_french_pages_fit_a_phone(contexts, seeded):
    """French runs longer than English: the pages still fit 390 px (screenshots to look at)."""
    for persona, name in (("learner", "activity"), ("manager", "team"), ("manager", "conversation")):
        path = dict(PAGES[persona])[name]
        for width in (1280, 390):
            page = open_page(contexts, seeded, persona, "fr-FR", path, width)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"fr {persona} {name} at {width} px is {wide} px wide"
            page.screenshot(path=str(_artifact(f"fr-{persona}-{name}-{width}.png")), full_page=True)
            page.close()


@pytest.mark.parametrize("persona, name", [(persona, name) for persona, pages in PAGES.items() for name, _ in pages])
def test_every_visible_text_is_translated_in_the_pseudo_locale(contexts, seeded, persona, name):
    """The walk that finds strings which escaped translation: in en@pseudo, everything the tool
    itself writes is bracketed and accented; any plain English word left is listed."""
    page = open_page(contexts, seeded, persona, "en@pseudo", dict(PAGES[persona])[name])
    assert page.evaluate("document.documentElement.lang") == "en-x-pseudo"
    if persona == "manager":  # the nomination waiting for their answer is walked too
        assert page.locator("#nominations-heading").count() == 1
    data_words = seeded.data_words() | month_words() | set(REFERENCE_SOURCE.split())  # authors' names
    escaped = untranslated_words(visible_text(page, name), data_words)
    page.close()
    assert not escaped, f"{persona}/{name}: text not translated (not marked, or not in messages.pot): {escaped}"


def test_the_right_to_left_pseudo_locale_mirrors_the_layout(contexts, seeded):
    for width in (1280, 390):
        page = open_page(contexts, seeded, "learner", "ar@pseudo", "/learner/", width)
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar-x-pseudo", "rtl"]
        if width == 1280:  # the brand sits at the start of the header bar: on the right
            brand, signout = (page.locator(selector).bounding_box() for selector in (".brand", ".sign-out"))
            assert brand["x"] > signout["x"]
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"RTL learner page at {width} px is {wide} px wide"
        check_accessibility(page, f"rtl-learner-activity-{width}", page)
        page.close()
    page = open_page(contexts, seeded, "manager", "ar@pseudo", "/manager/", 1280)
    check_accessibility(page, "rtl-manager-team-1280", page)
    page.close()


def _artifact(name: str):
    from .conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def month_words() -> set[str]:
    """English month and day names: dates in en@pseudo are CLDR's English ones."""
    names = Locale.parse("en")
    return {w.lower() for width in ("wide", "abbreviated") for w in
            [*names.months["format"][width].values(), *names.days["format"][width].values()]}
