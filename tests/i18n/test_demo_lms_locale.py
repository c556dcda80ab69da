"""The demo LMS launches anyone in a chosen locale: its launch page offers the locales, the
launch carries ``launch_presentation.locale`` and the tool's pages then speak it."""
from __future__ import annotations

import re
from html import unescape

import requests

from lti import claims as c
from tests.peers.lti_platform import auto_post_form, browser, full_launch


def test_the_launch_page_offers_locales_and_its_links_carry_the_chosen_one(peers):
    page = requests.get(peers.lms_url + "/", params={"locale": "de-DE"}, timeout=10).text
    assert '<option value="de-DE"\n selected>' in page and '<option value="fr-FR"' in page
    logins = [unescape(link) for link in re.findall(r'href="([^"]*lti/login[^"]*)"', page)]
    assert logins and all(re.search(r"lti_message_hint=[\w-]+~de-DE&", link) for link in logins)
    courses = [unescape(link) for link in re.findall(r'href="(/course/[^"]+)"', page)]
    assert courses and all("locale=de-DE" in link for link in courses)


def test_a_launch_in_a_locale_sends_it_and_the_tool_speaks_it(peers):
    claims = peers.lms.launch_claims("learner-ana", "rl-feedback", "nonce", locale="de-DE")
    assert claims[c.LAUNCH_PRESENTATION]["locale"] == "de-DE"
    german = browser()
    action, fields = auto_post_form(german.get(peers.lms.login_url("learner-ana", "rl-feedback", locale="de-DE")).text)
    assert '<html lang="de-DE" dir="ltr">' in german.post(action, data=fields).text
    plain = full_launch(peers, "learner-ana", client=browser())  # no locale, no Accept-Language: English
    assert '<html lang="en" dir="ltr">' in plain.text
