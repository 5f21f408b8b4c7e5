"""Publish a history file to the intake topic, as upstream services would."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from consumers.config import IntakeConfig, KafkaConfig
from consumers.kafka_clients import Headers, make_producer, send_each
from consumers.topics import ensure_topics
from domain.parsing import salvage_identity
from domain.sources import Source, signed_headers


class PublishRefused(RuntimeError):
    """Kafka refused some lines (e.g. over the broker's maximum size); the others were sent."""

    def __init__(self, report: PublishReport) -> None:
        self.report = report
        super().__init__("; ".join(report.describe_refusals()))


@dataclass
class PublishReport:
    sent: int = 0
    # (line number in the file, size in bytes, Kafka's reason) for each refused line
    refused: list[tuple[int, int, str]] = field(default_factory=list)

    def describe_refusals(self) -> list[str]:
        return [
            f"line {line} ({size:,} bytes) refused by Kafka: {reason}"
            for line, size, reason in self.refused
        ]


def intake_key(line: bytes) -> bytes | None:
    """The record key: the message's `case_id`, read as the engine reads it (bounded, so a
    hostile line is sent, unkeyed, for the engine to refuse, never a crash here); a line with
    no readable, valid case id has none."""
    case_id = salvage_identity(line).case_id
    return case_id.encode("utf-8") if case_id is not None else None


def publish_history(kafka: KafkaConfig, lines: Iterable[bytes]) -> int:
    """Send every non-empty line as it is, keyed by case id; returns how many were sent.

    Raises `PublishRefused` (after sending all the others) if Kafka refused any line.
    """
    report = publish_report(kafka, lines)
    if report.refused:
        raise PublishRefused(report)
    return report.sent


class UnknownSource(ValueError):
    """`casebook publish --source NAME` for a source the settings do not declare."""


def declared_source(intake: IntakeConfig, name: str) -> Source:
    """The declared source `casebook publish --source NAME` signs as."""
    source = intake.sources.get(name)
    if source is None:
        declared = ", ".join(sorted(intake.sources)) or "none"
        raise UnknownSource(
            f"source {name!r} is not declared in CASEBOOK_INTAKE_SOURCES (declared: {declared})"
        )
    return source


def publish_report(
    kafka: KafkaConfig, lines: Iterable[bytes], source: Source | None = None
) -> PublishReport:
    """Send every non-empty line; a line Kafka refuses is reported, the rest still flow.

    `source`: sign every record as that declared source (contract 1.2: the
    `casebook.source` and `casebook.signature` headers, with its first secret)."""
    topics = ensure_topics(kafka)
    # The client refuses a record over 1 MiB (the broker's default maximum) itself: a batch
    # the broker refuses as too large leaves kafka-python's idempotent producer refusing
    # every later batch too (seen in tests/faults), so the rest would not flow.
    producer = make_producer(kafka, linger_ms=20, max_request_size=1024 * 1024)
    numbers: list[int] = []

    def records() -> Iterator[tuple[bytes | None, bytes, Headers]]:
        for number, line in enumerate(lines, start=1):
            value = line.rstrip(b"\r\n")
            if value.strip(b" \t\r"):  # as the replay: a blank line is not a message
                numbers.append(number)
                key = intake_key(value)
                headers = signed_headers(source, key, value) if source is not None else []
                yield key, value, headers

    try:
        sent, refused = send_each(producer, topics.intake, records())
    finally:
        producer.close()
    return PublishReport(sent, [(numbers[index], size, why) for index, size, why in refused])
