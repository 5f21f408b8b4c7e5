"""Opaque page cursors: where a list stopped, as URL-safe text the client hands back.

A cursor is the position of the last item of a page (its sort key), so the next page starts
after it however the list grew meanwhile: keyset paging, no offsets to drift. It is not a
secret, only opaque; whatever a client sends back is checked as untrusted input.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

MAX_CURSOR = 512


def encode_cursor(list_name: str, position: list[Any]) -> str:
    text = json.dumps([list_name, *position], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(list_name: str, cursor: str, types: tuple[type, ...]) -> list[Any]:
    """The position in `cursor`, or ValueError if it is not a cursor of `list_name`."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise ValueError("not a cursor of this list") from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != len(types) + 1
        or decoded[0] != list_name
        or not all(type(value) is kind for value, kind in zip(decoded[1:], types, strict=True))
    ):
        raise ValueError("not a cursor of this list")
    return decoded[1:]
