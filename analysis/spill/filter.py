"""A fixed-size Bloom filter of strings: "never added" answered in memory, without the file."""

from __future__ import annotations

PROBE_BITS = 32
"""Each probe takes its own 32 bits of the 64-bit string hash."""


class BloomFilter:
    """A set that may answer "maybe" for an absent key, never "no" for a present one.

    Two probes, each from its own half of Python's (per-process) string hash, which the
    string caches: the filter never leaves the process, so the hash need not be stable
    across runs, and a key asked about then added is hashed once.
    """

    def __init__(self, bits: int) -> None:
        if bits < 8 or bits & (bits - 1) or bits > 1 << PROBE_BITS:
            raise ValueError(
                f"the filter's size must be a power of two from 8 to 2**{PROBE_BITS}, not {bits}"
            )
        self._bits = bytearray(bits // 8)
        self._mask = bits - 1
        self.size = bits

    def add(self, key: str) -> None:
        h = hash(key)
        first, second = h & self._mask, (h >> PROBE_BITS) & self._mask
        bits = self._bits
        bits[first >> 3] |= 1 << (first & 7)
        bits[second >> 3] |= 1 << (second & 7)

    def add_new(self, key: str) -> bool:
        """Add `key`; True if it was certainly not there before (one hashing for both)."""
        h = hash(key)
        first, second = h & self._mask, (h >> PROBE_BITS) & self._mask
        bits = self._bits
        first_bit, second_bit = 1 << (first & 7), 1 << (second & 7)
        if bits[first >> 3] & first_bit and bits[second >> 3] & second_bit:
            return False
        bits[first >> 3] |= first_bit
        bits[second >> 3] |= second_bit
        return True

    def __contains__(self, key: str) -> bool:
        h = hash(key)
        first, second = h & self._mask, (h >> PROBE_BITS) & self._mask
        bits = self._bits
        return bool(bits[first >> 3] >> (first & 7) & 1 and bits[second >> 3] >> (second & 7) & 1)
