"""Composition root: settings, wiring and the `casebook` command line."""
