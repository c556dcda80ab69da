"""The WSGI entry point gunicorn loads (``coachbridge serve``); migrations ran already."""
from adapter.web import create_app

app = create_app(migrate=False)
