"""LTI 1.3 tool-side protocol library.

No web framework and no database here: the application hands in storage through the
small interfaces in :mod:`lti.storage`, so every security rule can be read and tested on
its own.
"""
