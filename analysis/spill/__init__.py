"""Bounded-memory adapters for the offline replay: what does not fit in memory goes to a
scratch SQLite file that lives only as long as one replay.

`scratch` owns the file, `seen` is the desk's message ledger, `hot_cases` its case
repository (the recently used cases in memory, the rest pickled), `rejections` the refused
messages in input order.
"""
