"""Developers' tooling, never imported by the product: the benchmarks (`bench`, which
registers `casebook bench` through an entry point), the seeded history generator the bench
and the tests drive Casebook with, and the JSON Schema writer (`python -m tooling.schemas`).

It sits above the composition root, as the tests do: the bench measures the assembled
product (`casebook run` in child processes, the CLI's own wiring), so it imports `casebook`.
"""
