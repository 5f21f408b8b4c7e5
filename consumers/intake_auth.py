"""The intake's side of contract 1.2: the rule that a record's key is its case.

The declared sources themselves reach the intake (which checks) and `casebook publish
--source` (which signs) in one `consumers.config.IntakeConfig`, read the same way.
"""

from __future__ import annotations

from domain.messages import IntakeMessage
from domain.parsing import InvalidMessage
from domain.reasons import ReasonCode, Rejection


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
