"""The deployment as an operator asks about it, read from Kafka and the stores.

Nothing here asks a running process: the groups' members and their assignments come from
the group coordinators, the ends of the topics from the brokers, the positions from the
stores (where they really live), the last commits from the position hints' metadata and
the relays' positions topics. So `casebook status` answers from any machine that can reach
the cluster and the databases, and answers the same whichever process is asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from consumers.config import KafkaConfig, StoreConfig
from consumers.event_outbox import EventStoreOutbox
from consumers.event_store import open_case_store
from consumers.intake import tracking_name
from consumers.kafka_clients import make_admin, make_consumer
from consumers.offsets import committed_at_ms, end_offsets
from consumers.relay import read_committed_position
from consumers.topics import Topics
from consumers.view_store import ViewStore
from consumers.warnings import WarningsOutbox
from domain.timefmt import format_instant

DEAD_LETTER_WINDOW = timedelta(hours=1)
STATUS_TIMEOUT_MS = 10_000
"""How long `casebook status` tries to reach the cluster before saying it cannot."""


@dataclass(frozen=True)
class PartitionStatus:
    topic: str
    partition: int
    end: int
    """The end offset (the relays: the source's last entry)."""
    position: int | None
    """The next offset (entry) the role's store expects; None: nothing stored yet."""
    lag: int


@dataclass(frozen=True)
class RoleStatus:
    role: str
    group: str
    state: str
    """The group's state as its coordinator says: Stable, Empty, PreparingRebalance, Dead."""
    instances: int
    partitions: tuple[PartitionStatus, ...]
    last_commit_age_s: float | None
    elected: str | None = None
    """The relays: the member holding the election (its client id), None when no one does."""

    @property
    def lag(self) -> int:
        return sum(partition.lag for partition in self.partitions)


@dataclass(frozen=True)
class DeploymentStatus:
    at: datetime
    roles: tuple[RoleStatus, ...]
    dead_letters_last_hour: int
    breaches_open: int

    def to_json(self) -> dict[str, Any]:
        return {
            "at": format_instant(self.at),
            "roles": [
                {
                    "role": role.role,
                    "group": role.group,
                    "state": role.state,
                    "instances": role.instances,
                    "lag": role.lag,
                    "last_commit_age_s": role.last_commit_age_s,
                    "elected": role.elected,
                    "partitions": [vars(partition) for partition in role.partitions],
                }
                for role in self.roles
            ],
            "dead_letters_last_hour": self.dead_letters_last_hour,
            "breaches_open": self.breaches_open,
        }


def deployment_status(kafka: KafkaConfig, stores: StoreConfig, now: datetime) -> DeploymentStatus:
    """Every role's group, partitions, lag and last commit; dead letters and open breaches."""
    topics = Topics.named(kafka)
    groups = {role: kafka.topic(f"casebook-{role}") for role in ROLE_GROUPS}
    admin = make_admin(kafka, bootstrap_timeout_ms=STATUS_TIMEOUT_MS)
    reader = make_consumer(kafka, None)
    case_store = open_case_store(stores)
    views = ViewStore(stores)
    try:
        described = admin.describe_groups(list(groups.values()))
        hints = admin.list_group_offsets([groups["intake"], groups["projections"]])
        now_ms = now.timestamp() * 1000
        events = EventStoreOutbox(case_store, topics)
        warnings_last = WarningsOutbox(views, topics.warnings).last_id()

        def consuming(role: str, names: Sequence[str], stored: Stored) -> RoleStatus:
            group = groups[role]
            partitions = _partitions(reader, names)
            ends = end_offsets(reader, partitions) if partitions else {}
            hinted = hints.get(group, {})
            rows = []
            for tp in partitions:
                position = _next_offset(stored(tp), hinted.get(tp))
                rows.append(
                    PartitionStatus(
                        tp.topic, tp.partition, ends[tp], position, ends[tp] - (position or 0)
                    )
                )
            stamps = [committed_at_ms(hint.metadata) for hint in hinted.values()]
            newest = max((stamp for stamp in stamps if stamp is not None), default=None)
            return _role(role, group, described.get(group), rows, _age(now_ms, newest))

        def relaying(
            role: str, positions_topic: str, last_id: int | None, pending: Pending
        ) -> RoleStatus:
            group = groups[role]
            position, stamp = read_committed_position(kafka, TopicPartition(positions_topic, 0))
            row = PartitionStatus("source", 0, last_id or 0, position, pending(position))
            info = described.get(group)
            return _role(role, group, info, [row], _age(now_ms, stamp), _elected(info))

        roles = (
            consuming(
                "intake",
                [topics.intake],
                lambda tp: case_store.process_recorder.max_tracking_id(tracking_name(tp)),
            ),
            relaying(
                "relay",
                topics.relay_positions,
                events.last_id(),
                lambda position: events.pending(position, PENDING_CAP),
            ),
            consuming(
                "projections",
                [topics.events, topics.rejected],
                lambda tp: views.position(tp.topic, tp.partition),
            ),
            relaying(
                "warnings-relay",
                topics.warnings_positions,
                warnings_last,
                lambda position: max(0, (warnings_last or 0) - (position or 0)),
            ),
        )
        return DeploymentStatus(
            at=now,
            roles=roles,
            dead_letters_last_hour=_records_since(
                reader, topics.rejected, now - DEAD_LETTER_WINDOW
            ),
            breaches_open=views.open_breaches(now),
        )
    finally:
        views.close()
        case_store.close()
        reader.close()
        admin.close()


ROLE_GROUPS = ("intake", "relay", "projections", "warnings-relay")
Stored = Callable[[TopicPartition], "int | None"]
Pending = Callable[["int | None"], int]
PENDING_CAP = 1_000_000
"""Unpublished entries counted at most (each is read to be counted)."""


def _partitions(reader: KafkaConsumer, names: Sequence[str]) -> list[TopicPartition]:
    return [
        TopicPartition(name, number)
        for name in names
        for number in sorted(reader.partitions_for_topic(name) or ())
    ]


def _next_offset(stored: int | None, hint: Any) -> int | None:
    """The stored position, or the group's hint when it is further: on the transactional
    topics a commit marker follows each batch, and the hint of a caught-up member is past
    it (`offsets.CaughtUpHints`), while the store's is the last record's."""
    wanted = None if stored is None else stored + 1
    if hint is None or hint.offset < 0:
        return wanted
    return hint.offset if wanted is None else max(wanted, hint.offset)


def _age(now_ms: float, stamp_ms: int | None) -> float | None:
    return None if stamp_ms is None else max(0.0, (now_ms - stamp_ms) / 1000)


def _role(
    role: str,
    group: str,
    info: dict[str, Any] | None,
    rows: list[PartitionStatus],
    age: float | None,
    elected: str | None = None,
) -> RoleStatus:
    members = (info or {}).get("members") or []
    state = (info or {}).get("group_state") or "Dead"
    return RoleStatus(role, group, state, len(members), tuple(rows), age, elected)


def _elected(info: dict[str, Any] | None) -> str | None:
    """The member whose assignment holds the positions partition: the active relay."""
    for member in (info or {}).get("members") or []:
        assignment = member.get("member_assignment") or {}
        for assigned in assignment.get("assigned_partitions") or []:
            if 0 in (assigned.get("partitions") or []):
                return str(member.get("client_id"))
    return None


def _records_since(reader: KafkaConsumer, topic: str, since: datetime) -> int:
    """Records of `topic` with a timestamp at or after `since` (the rejected topic: dead
    letters, one record each; its commit markers are not counted)."""
    partitions = _partitions(reader, [topic])
    if not partitions:
        return 0
    cutoff = int(since.timestamp() * 1000)
    starts = reader.offsets_for_times({tp: cutoff for tp in partitions})
    ends = end_offsets(reader, partitions)
    wanted = {tp: found.offset for tp, found in starts.items() if found is not None}
    if not wanted:
        return 0
    reader.assign(list(wanted))
    for tp, offset in wanted.items():
        reader.seek(tp, offset)
    count = 0
    deadline = time.monotonic() + 60
    while any(reader.position(tp) < ends[tp] for tp in wanted) and time.monotonic() < deadline:
        for records in reader.poll(timeout_ms=500).values():
            count += sum(1 for record in records if record.timestamp >= cutoff)
    return count
