"""``coachbridge demo``: the tool, a demo LMS and a demo LRS on this machine.

- ``run.py``: starts the three, registers the LMS and the LRS with the tool, seeds records.
- ``lms.py``: the demo LMS on ``lti1p3platform`` — also the tests' real LTI platform peer;
  ``lms_registration.py``, ``lms_services.py`` and ``lms_storage.py`` are its Dynamic
  Registration, its LTI Advantage services (token, AGS, NRPS) and its client-side storage frame.
- ``lrs.py``: a tiny in-memory LRS where the demo's statements arrive.
- ``seed.py``: the records a newcomer finds on first start.
- ``local_server.py``: a WSGI app served from a background thread (the demo's and the tests' servers).
"""
