"""The analysts' tools: the offline replay of a history file (in memory, or bounded by a
scratch store in `spill/`), "as of" reports, what-if comparisons of two policies and the
SLA table exports (CSV, Parquet). Used by `casebook replay`, `casebook whatif`, `casebook
sla --export`; built on `domain` and `projections` only, with no broker and no store.
"""
