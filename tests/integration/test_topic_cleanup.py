"""A run's topics are deleted by prefix, and only those."""

from __future__ import annotations

import time

import pytest

from consumers.kafka_clients import make_admin
from consumers.topics import delete_topics_under, ensure_topics


def topic_names(settings) -> set[str]:
    admin = make_admin(settings.kafka())
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def test_deletes_the_topics_under_the_prefix_and_no_other(settings_factory) -> None:
    doomed = settings_factory()
    kept = settings_factory()
    ensure_topics(doomed.kafka())
    ensure_topics(
        kept.model_copy(update={"topic_prefix": f"{kept.topic_prefix}passthrough."}).kafka()
    )
    ensure_topics(kept.kafka())

    deleted = delete_topics_under(doomed.kafka(), doomed.topic_prefix)

    assert deleted and all(name.startswith(doomed.topic_prefix) for name in deleted)
    # Deletion is done by the controller; the broker's metadata follows within moments.
    deadline = time.monotonic() + 15
    while any(name in topic_names(kept) for name in deleted) and time.monotonic() < deadline:
        time.sleep(0.2)
    remaining = topic_names(kept)
    assert not any(name.startswith(doomed.topic_prefix) for name in remaining)
    kept_names = {name for name in remaining if name.startswith(kept.topic_prefix)}
    assert len(kept_names) == 2 * len(deleted)  # its own set and the passthrough's


def test_refuses_an_empty_prefix(settings_factory) -> None:
    with pytest.raises(ValueError, match="give a prefix"):
        delete_topics_under(settings_factory(kafka=False), "")
