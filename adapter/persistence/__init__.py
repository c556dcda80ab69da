"""Persistence: tables, the database engine and migrations, and the stores behind the
interfaces that lti/, xapi/ and the service layer define."""
