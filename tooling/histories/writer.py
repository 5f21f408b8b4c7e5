"""Writing a whole history: cases one after another on a moving clock, standalone noise
between them, then every line in arrival order with the report it must produce."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from tooling.histories.expected import (
    ExpectedCase,
    ExpectedHistory,
    ExpectedRejection,
    GeneratedHistory,
)
from tooling.histories.script import CaseScript
from tooling.histories.shape import (
    EPOCH,
    MAX_MESSAGE_BYTES,
    TIERS,
    HistoryFull,
    Line,
    message_dict,
    valid_line,
)


def generate_history(messages: int, seed: int) -> Iterator[bytes]:
    """`messages` lines (each ending in a newline) of a history, the same for the same seed."""
    yield from build_history(messages, seed).lines


def build_history(messages: int, seed: int) -> GeneratedHistory:
    """The lines of a history and the report they must produce."""
    writer = Writer(messages, random.Random(seed))
    writer.run()
    return writer.finish()


class Writer:
    def __init__(self, messages: int, rng: random.Random) -> None:
        self.rng = rng
        self.remaining = messages
        self.written: list[Line] = []
        self.cases: dict[str, ExpectedCase] = {}
        self.customers = [
            (f"cust-{n:04d}", rng.choice(TIERS)) for n in range(max(4, messages // 400))
        ]
        self.engineers = [f"eng-{n:03d}" for n in range(max(3, messages // 1000))]
        self.message_counter = 0
        self.case_counter = 0

    # -- plumbing

    def next_message_id(self) -> str:
        self.message_counter += 1
        return f"m-{self.message_counter:08d}"

    def add(self, line: Line) -> None:
        if self.remaining < 1:
            raise HistoryFull
        self.remaining -= 1
        self.written.append(line)

    def seq(self) -> int:
        return len(self.written)

    def run(self) -> None:
        clock = EPOCH
        try:
            while self.remaining > 0:
                clock += timedelta(seconds=self.rng.randint(60, 3600))
                roll = self.rng.random()
                if roll < 0.03:
                    self.unknown_case(clock)
                elif roll < 0.05:
                    self.unreadable(clock)
                else:
                    self.case_counter += 1
                    CaseScript(self, f"C-{self.case_counter:06d}", clock).run()
        except HistoryFull:
            pass

    def finish(self) -> GeneratedHistory:
        ordered = sorted(self.written, key=lambda line: (line.arrive, line.seq))
        rejections = [
            ExpectedRejection(number, line.message_id, line.case_id, line.at, line.reason)
            for number, line in enumerate(ordered, start=1)
            if line.reason is not None
        ]
        valid = [line.valid_at for line in ordered if line.valid_at is not None]
        expected = ExpectedHistory(
            cases=self.cases,
            rejections=rejections,
            latest_at=max(valid) if valid else None,
            lines=len(ordered),
            duplicates=sum(line.duplicate for line in ordered),
        )
        return GeneratedHistory([line.raw for line in ordered], expected)

    # -- standalone noise

    def unknown_case(self, clock: datetime) -> None:
        """Messages about a case that is never opened."""
        case_id = f"U-{self.case_counter:06d}-{self.rng.randint(0, 999)}"
        for _ in range(self.rng.randint(1, 3)):
            clock += timedelta(minutes=self.rng.randint(1, 90))
            engineer = self.rng.choice(self.engineers)
            message = message_dict(
                self.next_message_id(), case_id, "case.responded", clock, engineer, "engineer"
            )
            self.add(valid_line(message, clock, clock, self.seq(), "unknown_case"))

    def unreadable(self, clock: datetime) -> None:
        """A line that is not a JSON object at all, or is over the size limit."""
        roll = self.rng.random()
        if roll < 0.01:
            raw = json.dumps(
                {"message_id": self.next_message_id(), "pad": "x" * MAX_MESSAGE_BYTES}
            ).encode()
        elif roll < 0.5:
            raw = b'{"message_id": "' + self.next_message_id().encode() + b'", "case_id": "C-'
        elif roll < 0.75:
            raw = b'["case.opened", "not an object"]'
        else:
            raw = b"\xff\xfe not utf-8 and not json"
        self.add(Line(clock, self.seq(), raw + b"\n", reason="invalid_message"))
