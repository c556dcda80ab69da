"""The domain's two refusals, shared by the rules on records and on platforms."""
from __future__ import annotations


class NotFound(LookupError):
    """No such record, or not one this viewer may see."""


class Forbidden(PermissionError):
    """The viewer sees the record but may not do this to it."""
