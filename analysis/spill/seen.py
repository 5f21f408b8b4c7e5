"""The desk's message ledger for a bounded replay: every `message_id` seen, in the scratch file.

Duplicates may be far apart, so every id is kept; but almost every message is new, so a
fixed-size Bloom filter answers "never seen" in memory and only its rare "maybe" (a real
duplicate, or a false positive) costs a look-up in the file. New ids are written in batches.
"""

from __future__ import annotations

from analysis.spill.filter import BloomFilter
from analysis.spill.scratch import ScratchDatabase
from domain.reasons import Rejection

__all__ = ["FILTER_BITS", "BloomFilter", "SpilledLedger"]

FILTER_BITS = 1 << 26
"""At most 8 MiB of filter: about 1 false "maybe" in 1,000 at a million ids, 1 in 15 at ten
million."""

FIRST_FILTER_BITS = 1 << 20
"""The filter starts at 128 KiB (a short history never pays for a large one) and is rebuilt
eight times larger from the file whenever it holds one id per `GROWTH_LOAD` bits."""

GROWTH_LOAD = 8
"""Bits per id below which the filter grows: a false "maybe" for about 1 new id in 20."""

BATCH = 16384
"""New ids held (exactly, in a set) before they are written: a history of fewer messages
never writes its ids at all."""


class SpilledLedger:
    """`MessageLedger` port: has this `message_id` been accepted or rejected before?

    Only the id is kept: the replay never asks what was decided for it.
    """

    def __init__(self, scratch: ScratchDatabase, filter_bits: int = FILTER_BITS) -> None:
        self._db = scratch.connection
        self._largest = filter_bits
        self._filter = BloomFilter(min(FIRST_FILTER_BITS, filter_bits))
        self._room = self._room_in(min(FIRST_FILTER_BITS, filter_bits))
        self._pending: set[str] = set()
        self._asked: str | None = None
        """The id `has_seen` last found new, and already put in the filter."""

    @property
    def filter_bits(self) -> int:
        """The filter's size now (it grows with the ids noted)."""
        return self._filter.size

    def has_seen(self, message_id: str) -> bool:
        # The desk notes every id it finds new, so it goes in the filter at once; an id
        # never noted after all only makes a false "maybe", which the file answers.
        if self._filter.add_new(message_id):
            self._asked = message_id
            return False
        if message_id in self._pending:
            return True
        found = self._db.execute("SELECT 1 FROM seen WHERE message_id = ?", (message_id,))
        return found.fetchone() is not None

    def note(self, message_id: str, case_id: str | None, rejection: Rejection | None) -> None:
        if message_id is not self._asked:
            self._filter.add(message_id)
        self._pending.add(message_id)
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        # In key order: each batch then touches the file's index pages in one sweep.
        self._db.executemany(
            "INSERT OR IGNORE INTO seen (message_id) VALUES (?)", zip(sorted(self._pending))
        )
        written = len(self._pending)
        self._pending.clear()
        if self._room is not None:
            self._room -= written
            if self._room <= 0:
                self._grow()

    def _room_in(self, bits: int) -> int | None:
        """How many ids a filter of `bits` takes before it grows (no limit at the largest)."""
        return bits // GROWTH_LOAD if bits < self._largest else None

    def _grow(self) -> None:
        """A filter eight times larger, filled from the file (where every id is, just after
        a flush): a pass over the ids each time, a few of them in a whole replay."""
        bits = min(self._filter.size * 8, self._largest)
        larger = BloomFilter(bits)
        for (message_id,) in self._db.execute("SELECT message_id FROM seen"):
            larger.add(message_id)
        self._filter, self._room = larger, self._room_in(bits)
        self._asked = None  # it may be in the old filter only
