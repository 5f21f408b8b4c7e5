"""Seeded, deterministic histories of intake messages, with the report they must produce.

Many interleaved cases (every tier, every severity, capped technologies in every spelling,
first responses early / late / at the deadline / never, severity proposals agreed / declined /
superseded / left pending, resolve / reopen / close) plus noise: unreadable lines, missing or
ill-typed fields, naive timestamps, wrong roles, strangers' customers, messages on unknown
cases, duplicates near and far. Every message is written with the outcome it was *meant* to
have, so the expected report is computed here, from intent, without the domain code: it is an
independent oracle for the replay, and the workload of `casebook bench`.

Each case is simulated on its own clock; a message's outcome depends only on its own case, so
interleaving the cases by time cannot change any outcome. The default policy's tables are
restated below on purpose (targets 2/6/12/24 h, the .NET / MS-SQL cap at 2).
"""

from tooling.histories.expected import ExpectedHistory, GeneratedHistory
from tooling.histories.writer import build_history, generate_history

__all__ = ["ExpectedHistory", "GeneratedHistory", "build_history", "generate_history"]
