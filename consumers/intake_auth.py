"""The intake's side of contract 1.2: the declared sources, built from the settings, and
the rule that a record's key is its case.

Kept apart from the worker so `casebook publish --source` (which signs) and the intake
(which checks) read the same declarations the same way.
"""

from __future__ import annotations

from casebook.settings import Settings
from domain.messages import IntakeMessage
from domain.parsing import InvalidMessage
from domain.reasons import ReasonCode, Rejection
from domain.sources import Source


def declared_sources(settings: Settings) -> dict[str, Source]:
    """Every declared source, its secrets as bytes (UTF-8 of the setting's text)."""
    return {
        name: Source(
            name=name,
            secrets=tuple(secret.get_secret_value().encode("utf-8") for secret in declared.secrets),
            roles=frozenset(declared.roles),
            customer_ids=None
            if declared.customer_ids is None
            else frozenset(declared.customer_ids),
        )
        for name, declared in settings.intake_sources.items()
    }


def required_sources(settings: Settings) -> dict[str, Source] | None:
    """The sources the intake checks records against, or None when it believes actors."""
    return declared_sources(settings) if settings.intake_auth == "required" else None


def keyed_by_case(
    key: bytes | None, message: IntakeMessage | InvalidMessage
) -> IntakeMessage | InvalidMessage:
    """Contract 1.2: a record whose key is present and is not its case id is invalid (a
    case's messages must share one partition to keep their order)."""
    if isinstance(message, InvalidMessage) or key is None:
        return message
    if key == message.case_id.encode("utf-8"):
        return message
    shown = key[:64].decode("utf-8", errors="replace")
    rejection = Rejection(
        ReasonCode.INVALID_MESSAGE,
        f"the record's key {shown!r} is not its case_id {message.case_id!r}",
    )
    return InvalidMessage(rejection, message.message_id, message.case_id, message.at)
