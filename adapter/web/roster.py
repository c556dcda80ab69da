"""Reading the course roster from the LMS (NRPS) on demand, for instructors and managers.

Both audiences have the same action on their own pages (instructor.roster, manager.roster):
the course they launched from is synced, then they return to their page, which now knows
everyone in the course.
"""
from __future__ import annotations

import time

from flask import abort, redirect, url_for
from flask_babel import gettext as _

from adapter.services.lms_services import LmsAccess, NoServiceAccess, sync_roster
from lti.service_token import PlatformServiceError

from .app_components import components
from .auth import current_session


def sync_current_course(back_to: str):
    session = current_session()
    if not session.context_pk:
        abort(400, description=_("This launch did not come from a course."))
    parts = components()
    access = LmsAccess(parts.engine, parts.tool_keys, parts.cipher, parts.settings.allow_private_addresses)
    try:
        result = sync_roster(access, parts.role_map, session.context_pk, time.time())
    except NoServiceAccess as error:
        abort(409, description=_("The roster cannot be read: %(why)s.", why=error))
    except PlatformServiceError as error:
        abort(502, description=_("The LMS did not give the roster: %(why)s", why=error.message))
    return redirect(url_for(back_to, synced=result.active), code=303)
