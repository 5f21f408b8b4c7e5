"""The relay moves its position only on a commit Kafka confirmed (issue: the relay under faults).

A fake producer plays kafka-python 3.0.12 under a coordinator fault, as the repro on a 3-node
cluster showed it (`../shared/repro/kafka-transactions/`): the send futures fail, `flush()`
returns, and `commit_transaction()` returns normally. The relay must not move its position,
must give the producer up, and must raise a retriable error so its role starts again from
the committed position. Fakes of our own ports only: the election consumer is replaced.
"""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError
from kafka.future import Future

import consumers.relay as relay_module
from casebook.settings import Settings
from consumers.errors import RETRIABLE
from consumers.relay import OutboxRelay
from consumers.transactions import TransactionNotConfirmed, commit_confirmed
from consumers.wire import OutgoingRecord


class FakeProducer:
    """Sends that succeed or fail as told; a commit that always 'succeeds'."""

    def __init__(self, fail_sends: set[int] | None = None, flush_hangs: bool = False) -> None:
        self.fail_sends = fail_sends or set()
        self.flush_hangs = flush_hangs
        self.sent: list[Any] = []
        self.committed = 0
        self.closed = False

    def begin_transaction(self) -> None:
        pass

    def send(self, topic: str, **record: Any) -> Future:
        future = Future()
        if len(self.sent) in self.fail_sends:
            future.failure(KafkaTimeoutError("Batch expired"))
        else:
            future.success(None)
        self.sent.append((topic, record))
        return future

    def flush(self, timeout: float | None = None) -> None:
        if self.flush_hangs:
            raise KafkaTimeoutError(f"Timeout after waiting for {timeout} secs.")

    def commit_transaction(self) -> None:
        self.committed += 1  # kafka-python's: no EndTxn sent, success reported

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class NoElection:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self, **kwargs: Any) -> None:
        pass


@pytest.fixture
def relay(monkeypatch: pytest.MonkeyPatch) -> OutboxRelay:
    monkeypatch.setattr(relay_module, "make_consumer", NoElection)
    monkeypatch.setattr(relay_module, "subscribe_known", lambda *args: None)
    relay = OutboxRelay(Settings().kafka(), source=None, positions_topic="positions")  # type: ignore[arg-type]
    relay.position = 100
    return relay


RECORDS = [("events", OutgoingRecord(key=b"C-1", value=b"{}", headers=[])) for _ in range(5)]


@pytest.mark.parametrize(
    "producer",
    [
        FakeProducer(fail_sends=set(range(6))),  # coordinator gone: every send failed
        FakeProducer(fail_sends={2}),  # one partition leaderless: its batch expired
        FakeProducer(fail_sends={5}),  # only the position record was lost
        FakeProducer(flush_hangs=True),  # nothing acknowledged within the deadline
    ],
    ids=["all sends failed", "one failed", "position failed", "flush timed out"],
)
def test_an_unconfirmed_transaction_does_not_move_the_position(
    relay: OutboxRelay, producer: FakeProducer
) -> None:
    relay._producer = producer  # type: ignore[assignment]
    with pytest.raises(TransactionNotConfirmed) as raised:
        relay._publish(RECORDS, last_id=200)
    assert isinstance(raised.value, RETRIABLE)  # the role waits and starts again
    assert producer.committed == 0  # the commit was never asked for
    assert relay.position == 100 and relay.published == 0
    assert relay._producer is None and producer.closed  # office given up: re-read position


def test_a_confirmed_transaction_moves_the_position(relay: OutboxRelay) -> None:
    producer = FakeProducer()
    relay._producer = producer  # type: ignore[assignment]
    relay._publish(RECORDS, last_id=200)
    assert producer.committed == 1 and relay.position == 200 and relay.published == 5
    assert producer.sent[-1][0] == "positions"  # the position travels in the transaction


def test_a_commit_kafka_does_not_confirm_in_time_is_not_a_commit() -> None:
    class Pending:
        def wait(self, timeout_ms: float | None = None) -> bool:
            return False  # the coordinator never answers

    class Manager:
        def begin_commit(self) -> Pending:
            return Pending()

    class Sender:
        def wakeup(self) -> None:
            pass

    producer = FakeProducer()
    producer._transaction_manager = Manager()  # type: ignore[attr-defined]
    producer._sender = Sender()  # type: ignore[attr-defined]
    with pytest.raises(TransactionNotConfirmed, match="commit was not confirmed"):
        commit_confirmed(producer, [producer.send("t")], deadline_s=0.01)  # type: ignore[arg-type]


def test_the_relay_is_working_while_it_publishes_and_not_after(relay: OutboxRelay) -> None:
    seen: list[bool] = []

    class Watching(FakeProducer):
        def commit_transaction(self) -> None:
            seen.append(relay.working)
            super().commit_transaction()

    class Source:
        def fetch(self, after: int, limit: int) -> tuple[list[Any], int | None]:
            return RECORDS, 200

    relay._producer = Watching()  # type: ignore[assignment]
    relay._source = Source()  # type: ignore[assignment]
    assert relay._publish_next() == 5
    assert seen == [True] and relay.working is False
