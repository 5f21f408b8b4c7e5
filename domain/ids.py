"""Deterministic ids: RFC 4122 name-based (SHA-1) UUIDs, as `uuid.uuid5` makes them.

The standard library's `uuid5` imports `hashlib.sha1` and reads the namespace's bytes on
every call; the intake names a case and a ledger entry per message, so the namespace's
bytes are taken once here. Same algorithm, same UUIDs (a test holds them equal).
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha1
from uuid import UUID


def uuid5_namer(namespace: UUID) -> Callable[[str], UUID]:
    """`lambda name: uuid5(namespace, name)`, with the namespace's bytes read once."""
    prefix = namespace.bytes

    def named(name: str) -> UUID:
        return UUID(bytes=sha1(prefix + name.encode("utf-8")).digest()[:16], version=5)

    return named
