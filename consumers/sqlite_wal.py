"""How far SQLite's write-ahead log grows before a commit copies it back into the database.

SQLite checkpoints when a commit leaves the WAL over `wal_autocheckpoint` pages (1,000 by
default: 4 MiB). The store's keys are random (uuid5 of case and message ids), so a poll's
thousand events dirty most of a thousand index pages: nearly every intake commit ran a
checkpoint, copying pages it would dirty again a commit later. Measured over 200k messages
(intake alone, SQLite store): commits took 4.9 s at the default, 2.6 s at 32,768 pages,
and the intake 25 s -> 21 s. The WAL then reaches 128 MiB on disk (readers find pages in
it through its index, in constant time); durability is unchanged (every commit is still
synced as before; only the copy into the main file is batched).
"""

from __future__ import annotations

WAL_AUTOCHECKPOINT_PAGES = 32_768
WAL_AUTOCHECKPOINT = f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}"
