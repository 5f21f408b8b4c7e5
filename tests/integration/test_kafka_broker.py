"""The local broker is a real Apache Kafka: round trips, consumer groups, transactions."""

from __future__ import annotations

import time
from collections.abc import Callable

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from casebook.settings import Settings


def consume(consumer: KafkaConsumer, expected: int, timeout: float = 20.0) -> list[bytes]:
    """Poll until `expected` values arrived or `timeout` passed; return what arrived."""
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(values) < expected and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            values.extend(record.value for record in records)
    return values


def test_a_produced_message_is_consumed_with_its_key_and_headers(
    kafka_broker: str, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory(partitions=3)
    producer = KafkaProducer(bootstrap_servers=kafka_broker)
    producer.send(topic, key=b"case-1", value=b"opened", headers=[("message_id", b"m-1")]).get(10)
    producer.close()

    consumer = KafkaConsumer(topic, bootstrap_servers=kafka_broker, auto_offset_reset="earliest")
    records: list = []
    deadline = time.monotonic() + 20
    while not records and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    consumer.close()

    assert [(r.key, r.value, r.headers) for r in records] == [
        (b"case-1", b"opened", [("message_id", b"m-1")])
    ]


def test_a_consumer_group_joins_quickly_and_its_committed_offset_is_read_back(
    kafka_broker: str, topic_factory: Callable[..., str], group_factory: Callable[[], str]
) -> None:
    topic = topic_factory()
    group = group_factory()
    producer = KafkaProducer(bootstrap_servers=kafka_broker)
    for n in range(5):
        producer.send(topic, value=f"m{n}".encode())
    producer.flush(10)
    producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    started = time.monotonic()
    values = consume(consumer, expected=5)
    joined_after = time.monotonic() - started
    partition = TopicPartition(topic, 0)
    consumer.commit({partition: OffsetAndMetadata(5, "", -1)})
    committed = consumer.committed(partition)
    consumer.close()

    assert values == [b"m0", b"m1", b"m2", b"m3", b"m4"]
    assert joined_after < 10, f"group took {joined_after:.1f} s to join and fetch"
    assert committed == 5


def test_a_group_that_commits_nothing_has_no_committed_offset(
    kafka_broker: str, topic_factory: Callable[..., str], group_factory: Callable[[], str]
) -> None:
    topic = topic_factory()
    consumer = KafkaConsumer(
        topic, bootstrap_servers=kafka_broker, group_id=group_factory(), enable_auto_commit=False
    )
    consumer.poll(timeout_ms=1000)

    assert consumer.committed(TopicPartition(topic, 0)) is None
    consumer.close()


def test_read_committed_sees_a_committed_transaction_and_never_an_aborted_one(
    kafka_broker: str, topic_factory: Callable[..., str], group_factory: Callable[[], str]
) -> None:
    topic = topic_factory()
    producer = KafkaProducer(bootstrap_servers=kafka_broker, transactional_id=group_factory())
    producer.init_transactions()
    producer.begin_transaction()
    producer.send(topic, value=b"aborted-1")
    producer.send(topic, value=b"aborted-2")
    producer.flush()
    producer.abort_transaction()
    producer.begin_transaction()
    producer.send(topic, value=b"committed-1")
    producer.send(topic, value=b"committed-2")
    producer.commit_transaction()
    producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    values = consume(consumer, expected=2)
    values.extend(consume(consumer, expected=1, timeout=2))  # nothing more may arrive
    consumer.close()

    assert values == [b"committed-1", b"committed-2"]


def test_settings_from_the_factory_reach_the_test_broker_under_fresh_prefixes(
    settings_factory: Callable[..., Settings],
) -> None:
    first, second = settings_factory(), settings_factory()

    assert first.topic_prefix != second.topic_prefix
    assert first.data_dir != second.data_dir
    admin = KafkaAdminClient(**first.kafka_client_config())
    assert admin.describe_cluster()["brokers"]
    admin.close()
