"""An erasure finds a person's mail by its outbox source (mail_store.mail_of): whichever part
of the source names them — its recipient, the learner it is about, someone else it names —
in every form mail_source writes, and no one else's (ids that begin or end another's)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.mail_store import mail_of, mail_source
from adapter.persistence.outbox_store import enqueue_many, message_row
from adapter.persistence.tables import outbox

# (kind, recipient, about, naming) as the mail writers pass them, and who the source names.
MAIL = [
    (("weekly_digest", 7, None, None), {7}),  # to a manager, about no one
    (("validation_requested", 7, 17, None), {7, 17}),  # to a manager, about their learner
    (("action_due", 71, None, 70), {71, 70}),  # to someone, naming another, about no one
    (("check_in_coming_up", 70, 71, 7), {70, 71, 7}),  # to one, about a second, naming a third
    (("validation_decided", 17, 17, 7), {17, 7}),  # to the learner, about themselves, naming the manager
    (("check_in_invitation", 17, 70, 17), {17, 70}),  # naming its recipient: not said twice
]


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def test_a_persons_mail_is_found_whichever_part_of_its_source_names_them(engine):
    with engine.begin() as conn:
        enqueue_many(conn, [message_row("mail", "smtp", f"<m{n}@test>", {}, 1.0, mail_source(*args))
                            for n, (args, _) in enumerate(MAIL)])
        # Another channel's source that names ids the same way is not mail.
        enqueue_many(conn, [message_row("xapi", "lrs", "s1", {}, 1.0, "reflection to person 7 about person 17")])
        row_of = dict(conn.execute(select(outbox.c.source, outbox.c.id).where(outbox.c.channel == "mail")
                                   .order_by(outbox.c.id)).all())
    assert [source for source in row_of] == [mail_source(*args) for args, _ in MAIL]
    with engine.connect() as conn:
        for person in (7, 17, 70, 71):
            named = {row_of[mail_source(*args)] for args, people in MAIL if person in people}
            assert named and sorted(mail_of(conn, person)) == sorted(named), person
        for nobody in (1, 0, 77, 170):
            assert mail_of(conn, nobody) == []
