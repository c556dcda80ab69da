"""What the tool fetches from a platform (its configuration, the registration's answer) read
as JSON: anything it cannot read is a ValueError, which its callers turn into a plain failure."""
from __future__ import annotations

import pytest

from lti.safe_fetch import Fetched


@pytest.mark.parametrize("body", [b"not json", b"[" * 100_000, b'{"a": ' + b"{" * 100_000])
def test_what_cannot_be_read_is_a_value_error(body):
    with pytest.raises(ValueError):
        Fetched(200, body).json()


def test_json_reads():
    assert Fetched(200, b'{"issuer": "https://lms.example", "a": [1, {"b": null}]}').json() == {
        "issuer": "https://lms.example", "a": [1, {"b": None}]}
