"""Tamper evidence: each case's events form a SHA-256 hash chain; a Merkle root covers all.

An event's hash is SHA-256 over the canonical JSON of its published form without the
`hash` field (sorted keys, no insignificant whitespace, UTF-8, UTC timestamps); that form
includes `previous_hash`, the hash of the case's previous event (64 zeros for the first).
The history digest is an RFC 6962-style Merkle tree hash over the case chains' heads, so an
auditor keeps one short value outside the system and can later prove nothing before it
changed. Pure functions only: the offline verifier uses them without the aggregate code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import orjson

GENESIS_HASH = "0" * 64

UNSEALED = ""
"""The chain head and hashes of a case opened unsealed: one whose events are never stored
or published (an offline replay, whose report shows no hash), so hashing them is waste."""


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 (non-ASCII unescaped).

    orjson writes exactly what `json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)` writes (a test holds them equal), many times faster; the standard
    library takes what orjson refuses (integers beyond 64 bits).
    """
    try:
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8", "surrogatepass")


def event_hash(wire_document: dict[str, Any]) -> str:
    """The chain hash of a published event (its own `hash` field, if any, is left out)."""
    unsigned = {key: value for key, value in wire_document.items() if key != "hash"}
    return unsigned_event_hash(unsigned)


def unsigned_event_hash(unsigned_document: dict[str, Any]) -> str:
    """`event_hash` of a published form built without its `hash` field (nothing to leave out)."""
    return hashlib.sha256(canonical_json(unsigned_document)).hexdigest()


def chain_leaf(case_id: str, version: int, head: str) -> bytes:
    """The Merkle leaf of one case: where its chain stood (version and head hash)."""
    return canonical_json({"case_id": case_id, "version": version, "head": head})


def merkle_root(leaves: Sequence[bytes]) -> str:
    """RFC 6962 Merkle tree hash (0x00 leaf prefix, 0x01 node prefix) of ordered leaves."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    return _tree_hash(list(leaves)).hex()


def _tree_hash(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    left, right = _tree_hash(leaves[:split]), _tree_hash(leaves[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()
