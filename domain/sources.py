"""Who may speak for whom (contract 1.2): declared sources, their signatures, their reach.

Why in the domain: what a record's signature proves, and what its source may say, decide
whether a message counts, as much as any rule of the policy does. It is pure: an HMAC over
the record's bytes, compared in constant time; the secrets come in from the settings.

A signature proves that the holder of a source's secret wrote exactly these key and value
bytes. It does not prove when (a captured record can be sent again: the `message_id`
makes that a duplicate), nor that the person behind the source told the truth.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.reasons import ReasonCode, Rejection

SOURCE_HEADER = "casebook.source"
SIGNATURE_HEADER = "casebook.signature"
SIGNATURE_SCHEME = "v1="


@dataclass(frozen=True)
class Source:
    """A declared upstream service: its secrets (two while one is rotated), the actor roles
    it may speak for and, if limited, the customers."""

    name: str
    secrets: tuple[bytes, ...]
    roles: frozenset[str]
    customer_ids: frozenset[str] | None = None


def signature(secret: bytes, key: bytes | None, value: bytes) -> str:
    """`v1=` and the lowercase hex HMAC-SHA256 of the key bytes, one 0x00 byte, the value."""
    digest = hmac.new(secret, (key or b"") + b"\x00" + value, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + digest


def signed_headers(source: Source, key: bytes | None, value: bytes) -> list[tuple[str, bytes]]:
    """The two headers a record of `source` carries (signed with its first secret)."""
    return [
        (SOURCE_HEADER, source.name.encode("utf-8")),
        (SIGNATURE_HEADER, signature(source.secrets[0], key, value).encode("ascii")),
    ]


def authenticate(
    sources: Mapping[str, Source],
    key: bytes | None,
    value: bytes,
    headers: Iterable[tuple[str, bytes | None]],
) -> Source | Rejection:
    """The source that signed this record, or why none did (`unauthenticated`).

    Checked on the bytes as they came, before anything reads them. A header given twice
    is refused: which of the two counts would otherwise be the reader's guess."""
    found: dict[str, list[bytes]] = {}
    for name, raw in headers:
        if name in (SOURCE_HEADER, SIGNATURE_HEADER):
            found.setdefault(name, []).append(raw or b"")
    names, signatures = found.get(SOURCE_HEADER, []), found.get(SIGNATURE_HEADER, [])
    if not names or not signatures:
        return _unauthenticated(f"no {SOURCE_HEADER} and {SIGNATURE_HEADER} headers")
    if len(names) > 1 or len(signatures) > 1:
        return _unauthenticated("a source or signature header given more than once")
    try:
        name = names[0].decode("utf-8")
    except UnicodeDecodeError:
        return _unauthenticated("the source header is not UTF-8")
    source = sources.get(name)
    if source is None:
        return _unauthenticated(f"unknown source {name[:64]!r}")
    given = signatures[0]
    if not any(
        hmac.compare_digest(signature(secret, key, value).encode("ascii"), given)
        for secret in source.secrets
    ):
        return _unauthenticated(f"the signature matches no secret of source {name!r}")
    return source


def may_speak_for(source: Source, role: str, customer_ids: Sequence[str]) -> Rejection | None:
    """None if `source` may speak as `role` about these customers, else `source_not_allowed`.

    `customer_ids`: the customers the message concerns (the acting customer, the opened
    case's customer, the case's customer), whichever are known."""
    if role not in source.roles:
        return Rejection(
            ReasonCode.SOURCE_NOT_ALLOWED,
            f"source {source.name!r} may not speak for a {role}"
            f" (only {', '.join(sorted(source.roles))})",
        )
    if source.customer_ids is not None:
        outside = [c for c in customer_ids if c and c not in source.customer_ids]
        if outside:
            return Rejection(
                ReasonCode.SOURCE_NOT_ALLOWED,
                f"source {source.name!r} may not speak for customer {outside[0]!r}",
            )
    return None


def _unauthenticated(why: str) -> Rejection:
    return Rejection(ReasonCode.UNAUTHENTICATED, why)
