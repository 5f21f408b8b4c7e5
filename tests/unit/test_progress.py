"""Progress bars appear only for a person at a terminal, and never change what is iterated."""

from __future__ import annotations

import io
import sys

from casebook.progress import counter, progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_items_pass_through_silently(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert list(progress(range(5), "x")) == [0, 1, 2, 3, 4]
    assert counter("x") is None
    assert stderr.getvalue() == ""


def test_at_a_terminal_a_bar_is_drawn_and_items_are_unchanged(monkeypatch):
    stderr = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert list(progress(iter(range(300)), "replaying")) == list(range(300))
    assert "replaying" in stderr.getvalue()
