"""A Kafka transaction that counts as committed only when Kafka confirms every record of it.

kafka-python 3.0.12 can make a transaction "commit" without its records (reproduced on a
3-node cluster, `../shared/repro/kafka-transactions/`): a batch that expires on the delivery
timeout fails its futures without marking the transaction for abort, so `flush()` returns;
and when no partition was ever added to the transaction (its AddPartitionsToTxn went to a
coordinator that died), `commit_transaction()` sends no EndTxn and reports success. A relay
that trusted the commit moved its position past records nobody would ever publish.

So: every send's future is checked after the flush and before the commit, and every wait
(flush, commit) has a deadline; anything short of "all written, commit confirmed" raises
`TransactionNotConfirmed`, after which the caller drops the producer (a fresh
`init_transactions()` with the same transactional id aborts what was left open, and finds
the coordinator where Kafka has moved it) and starts again from the committed position.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

STEP_DEADLINE_S = 20.0
"""How long a relay waits on Kafka for one step of a transaction (the flush, the commit)
before it gives the producer up: a coordinator Kafka moved is found again by a new one."""


class TransactionNotConfirmed(KafkaError):
    """The transaction's records or its commit were not confirmed by Kafka: nothing of it
    may count as published. Retriable: the caller starts again from the committed position."""

    retriable = True


def commit_confirmed(
    producer: KafkaProducer, futures: Sequence[Any], deadline_s: float = STEP_DEADLINE_S
) -> None:
    """Flush, check that every send succeeded, then commit; each within `deadline_s`.

    Returns only when Kafka acknowledged every record and confirmed the commit."""
    try:
        producer.flush(timeout=deadline_s)
    except KafkaTimeoutError as error:
        raise TransactionNotConfirmed(
            f"the transaction's records were not acknowledged within {deadline_s:.0f} s"
        ) from error
    failed = [future for future in futures if not future.succeeded()]
    if failed:
        first = failed[0].exception if failed[0].is_done else "not done"
        raise TransactionNotConfirmed(
            f"{len(failed)} of {len(futures)} records of the transaction were not written"
            f" (first: {first!r}); it is not committed"
        )
    _commit(producer, deadline_s)


def _commit(producer: KafkaProducer, deadline_s: float) -> None:
    """`commit_transaction()` with a deadline: kafka-python's waits without one, and a
    commit addressed to a dead coordinator waited out the delivery timeout (125 s)."""
    manager = getattr(producer, "_transaction_manager", None)
    sender = getattr(producer, "_sender", None)
    if manager is None or sender is None or not hasattr(manager, "begin_commit"):
        producer.commit_transaction()  # another client version: its own wait
        return
    started = time.monotonic()
    result = manager.begin_commit()
    sender.wakeup()
    if not result.wait(timeout_ms=deadline_s * 1000):
        waited = time.monotonic() - started
        raise TransactionNotConfirmed(f"the commit was not confirmed within {waited:.0f} s")
