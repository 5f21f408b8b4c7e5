"""Consumers: the Kafka-facing processes (intake, outbox relay, projection runners)."""
