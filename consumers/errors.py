"""The failures a worker waits out rather than dies of: the broker or a database away.

Translated here, at the Kafka/database edge, so the composition root needs no client types.
A poison *message* is never one of these: it is a rejection, decided in the domain.
"""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import PersistenceError
from kafka.errors import KafkaError

RETRIABLE: tuple[type[BaseException], ...] = (
    KafkaError,
    PersistenceError,
    psycopg.OperationalError,
    sqlite3.OperationalError,
    TimeoutError,
    ConnectionError,
)
