"""Scenario 5: poison messages of every kind, mixed into a normal history.

Each lands on the rejected topic with its original bytes and a reason, and the partition
keeps flowing (the good messages after it are applied). One message is over the broker's
own maximum (1 MiB): Kafka refuses it to the publisher, `casebook publish` says so, names
the line, and sends everything else.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from casebook.settings import Settings
from tests.faults.oracle import Counts, check_exactly_once, record_summary
from tests.integration.engine_support import (
    header_map,
    read_topic,
    run_casebook,
    run_until_idle,
    topics,
    write_history,
)
from tooling.histories import generate_history

MESSAGES = 1500
AT = "2020-01-01T10:00:00Z"  # before the history ends: visible in the report as of its end


def poison_lines() -> dict[str, bytes]:
    """One of each kind, each with its own message id where it has one at all."""

    def message(n: int, **fields: object) -> bytes:
        base: dict[str, object] = {
            "message_id": f"poison-{n}",
            "case_id": f"P-{n}",
            "type": "opened",
            "at": AT,
        }
        base.update(fields)
        return json.dumps({k: v for k, v in base.items() if v is not None}).encode()

    return {
        "not JSON": b"this is {not json",
        "JSON array": b'[{"message_id": "poison-array", "case_id": "P-0"}]',
        "wrong types": message(1, case_id=42, at=12345),
        "unknown type": message(2, type="teleported"),
        "naive at": message(3, at="2020-01-01T10:00:00"),
        "missing fields": b'{"message_id": "poison-4"}',
        "70 KiB": message(5, note="x" * 70 * 1024),
        "near 1 MiB": message(6, note="y" * 1_000_000),
    }


def test_poison_messages_are_rejected_with_their_bytes_and_the_stream_flows(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    settings = settings_factory(partitions=3, batch_size=50)
    lines = list(generate_history(MESSAGES, seed))
    poison = poison_lines()
    too_big = json.dumps(
        {
            "message_id": "poison-huge",
            "case_id": "P-9",
            "type": "opened",
            "at": AT,
            "note": "z" * 1_200_000,
        }
    ).encode()
    # Poison spread through the history, the over-maximum one in the middle.
    accepted = list(lines)
    for n, raw in enumerate(poison.values()):
        accepted.insert((n + 1) * len(lines) // (len(poison) + 1), raw + b"\n")
    published = list(accepted)
    too_big_line = len(published) // 2
    published.insert(too_big_line, too_big + b"\n")
    file = tmp_path / "published.jsonl"
    write_history(file, published)
    history = tmp_path / "accepted-by-kafka.jsonl"
    write_history(history, accepted)

    done = run_casebook(settings, "publish", str(file))
    print(done.stdout.strip(), "|", done.stderr.strip()[-400:])
    assert done.returncode == 1
    assert f"published {len(accepted)} messages" in done.stdout
    assert f"line {too_big_line + 1} (" in done.stderr
    assert "refused by Kafka" in done.stderr and "TooLarge" in done.stderr
    assert "Traceback" not in done.stderr

    run_until_idle(settings)
    counts = check_exactly_once(settings, history, Counts("5 poison messages", len(published)))

    by_value = {
        bytes(r.value): header_map(r) for r in read_topic(settings, topics(settings).rejected)
    }
    for kind, raw in poison.items():
        headers = by_value.get(raw)
        assert headers is not None, f"{kind}: not on the rejected topic with its bytes"
        assert headers.get("casebook.reason"), f"{kind}: no reason"
        print(
            f"{kind}: {headers['casebook.reason'].decode()}: "
            f"{headers.get('casebook.detail', b'').decode()[:100]}"
        )
    assert too_big not in by_value
    counts.seconds = time.monotonic() - started
    counts.notes = {"poison_kinds": list(poison), "refused_by_kafka": 1, "seed": seed}
    record_summary(counts)
