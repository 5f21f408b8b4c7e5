"""`casebook bench`: seeded histories through the offline replay and the live engine, measured.

Every figure is taken next to a floor measured in the same run on the same machine (the
parse floor for the replay, raw kafka-python passthrough for the live engine), so the
ratios say how far the engine is from what Python and the broker allow, not how fast the
machine happens to be. Measured work runs in child processes (`tooling.bench.child`), so
each one starts cold and reports its own peak RSS.
"""
