"""`casebook topics plan|check`: the topics Casebook creates, for clusters that forbid it.

Why: many production clusters do not let applications create topics (auto-creation off,
ACLs, a platform team that owns them). `plan` prints every topic with its partitions,
replication and configs, and the `kafka-topics.sh --create` line that makes it, so they
can be pre-created exactly so; it needs no broker. `check` compares the cluster's topics
with the plan and prints each difference (exit 1 if any), as `casebook run` warns at start.
"""

from __future__ import annotations

import argparse
import json
import shlex

from casebook.settings import Settings
from consumers.kafka_clients import make_admin
from consumers.topic_checks import warn_about_differences
from consumers.topic_spec import TopicSpec
from consumers.topics import topic_plan


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("topics", help="The topics Casebook creates (plan, check).")
    actions = parser.add_subparsers(dest="action", required=True)
    plan = actions.add_parser("plan", help="Print every topic and the command that creates it.")
    plan.add_argument("--json", action="store_true", help="One JSON document instead.")
    plan.set_defaults(handler=print_plan)
    actions.add_parser(
        "check", help="Compare the cluster's topics with the plan; exit 1 on a difference."
    ).set_defaults(handler=check_topics)


def print_plan(args: argparse.Namespace) -> int:
    settings = Settings()
    plan = topic_plan(settings.kafka())
    if args.json:
        document = [
            {
                "name": spec.name,
                "partitions": spec.partitions,
                "replication_factor": spec.replication,
                "configs": spec.configs,
            }
            for spec in plan
        ]
        print(json.dumps({"bootstrap": settings.kafka_bootstrap, "topics": document}, indent=2))
        return 0
    for spec in plan:
        replication = "cluster default" if spec.replication is None else str(spec.replication)
        configs = ", ".join(f"{key}={value}" for key, value in spec.configs.items()) or "-"
        print(f"{spec.name}: partitions {spec.partitions}, replication {replication}, {configs}")
    print()
    for spec in plan:
        print(create_command(spec, settings.kafka_bootstrap))
    return 0


def create_command(spec: TopicSpec, bootstrap: str) -> str:
    """The `kafka-topics.sh` line that creates `spec` (replication omitted: the default)."""
    words = ["kafka-topics.sh", "--bootstrap-server", bootstrap, "--create", "--topic", spec.name]
    words += ["--partitions", str(spec.partitions)]
    if spec.replication is not None:
        words += ["--replication-factor", str(spec.replication)]
    for key, value in spec.configs.items():
        words += ["--config", f"{key}={value}"]
    return shlex.join(words)


def check_topics(args: argparse.Namespace) -> int:
    settings = Settings()
    admin = make_admin(settings.kafka())
    try:
        plan = topic_plan(settings.kafka())
        existing = set(admin.list_topics())
        missing = [spec.name for spec in plan if spec.name not in existing]
        differences = warn_about_differences(admin, settings.kafka(), plan)
    finally:
        admin.close()
    for name in missing:
        print(f"topic {name} does not exist (casebook creates it at start, if allowed)")
    for difference in differences:
        print(difference)
    if not missing and not differences:
        print(f"all {len(plan)} topics as planned")
    return 1 if missing or differences else 0
