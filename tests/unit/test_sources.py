"""Contract 1.2: signatures on the record's bytes, rotation, and what a source may say."""

from __future__ import annotations

import hashlib
import hmac

from domain.reasons import ReasonCode, Rejection
from domain.sources import (
    SIGNATURE_HEADER,
    SOURCE_HEADER,
    Source,
    authenticate,
    may_speak_for,
    signature,
    signed_headers,
)

PORTAL = Source(
    "portal", (b"new-secret", b"old-secret"), frozenset({"customer"}), frozenset({"c1"})
)
DESK = Source("desk", (b"desk-secret",), frozenset({"engineer", "system"}))
SOURCES = {source.name: source for source in (PORTAL, DESK)}
KEY, VALUE = b"case-1", b'{"type": "case.closed"}'


def test_the_signature_is_the_contracts_hmac_of_key_zero_byte_value() -> None:
    expected = hmac.new(b"s", b"case-1\x00" + VALUE, hashlib.sha256).hexdigest()
    assert signature(b"s", KEY, VALUE) == "v1=" + expected
    assert (
        signature(b"s", None, VALUE)
        == "v1=" + hmac.new(b"s", b"\x00" + VALUE, "sha256").hexdigest()
    )


def test_a_record_signed_with_either_secret_of_its_source_is_its_sources() -> None:
    assert authenticate(SOURCES, KEY, VALUE, signed_headers(PORTAL, KEY, VALUE)) is PORTAL
    old = Source("portal", (b"old-secret",), PORTAL.roles)
    assert authenticate(SOURCES, KEY, VALUE, signed_headers(old, KEY, VALUE)) is PORTAL


def reason(result: Source | Rejection) -> str:
    assert isinstance(result, Rejection), result
    assert result.reason is ReasonCode.UNAUTHENTICATED
    return result.detail


def test_anything_else_is_unauthenticated_with_a_specific_reason() -> None:
    good = signed_headers(PORTAL, KEY, VALUE)
    assert "no casebook.source" in reason(authenticate(SOURCES, KEY, VALUE, []))
    assert "unknown source 'crm'" in reason(
        authenticate(SOURCES, KEY, VALUE, [(SOURCE_HEADER, b"crm"), good[1]])
    )
    # Any change to the bytes after signing: the value, the key, a key added or dropped.
    for key, value in ((KEY, VALUE + b" "), (b"case-2", VALUE), (None, VALUE)):
        assert "matches no secret" in reason(authenticate(SOURCES, key, value, good))
    # Signed by another source's secret, or claiming another source.
    as_desk = [(SOURCE_HEADER, b"desk"), good[1]]
    assert "matches no secret of source 'desk'" in reason(
        authenticate(SOURCES, KEY, VALUE, as_desk)
    )
    assert "more than once" in reason(authenticate(SOURCES, KEY, VALUE, [*good, good[1]]))
    assert "not UTF-8" in reason(
        authenticate(SOURCES, KEY, VALUE, [(SOURCE_HEADER, b"\xff"), (SIGNATURE_HEADER, b"v1=")])
    )
    upper = [good[0], (SIGNATURE_HEADER, good[1][1].upper())]
    assert "matches no secret" in reason(authenticate(SOURCES, KEY, VALUE, upper))


def test_a_source_speaks_only_for_its_roles_and_customers() -> None:
    assert may_speak_for(PORTAL, "customer", ["c1"]) is None
    assert may_speak_for(DESK, "engineer", ["anyone"]) is None
    refused = [
        may_speak_for(PORTAL, "engineer", ["c1"]),
        may_speak_for(PORTAL, "customer", ["c2"]),
        may_speak_for(DESK, "customer", ["c1"]),
    ]
    assert all(r is not None and r.reason is ReasonCode.SOURCE_NOT_ALLOWED for r in refused)
    assert refused[1] is not None and "customer 'c2'" in refused[1].detail


def test_source_settings_errors_name_the_problem_never_the_secret() -> None:
    import pytest
    from pydantic import ValidationError

    from casebook.settings import Settings

    short = "tiny-secret-123"
    with pytest.raises(ValidationError) as raised:
        Settings.model_validate(
            {"intake_sources": {"portal": {"secrets": [short], "roles": ["customer"]}}}
        )
    assert "at least 32 characters" in str(raised.value)
    assert short not in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        Settings(intake_auth="required")
    assert "CASEBOOK_INTAKE_AUTH=required needs CASEBOOK_INTAKE_SOURCES" in str(raised.value)
    declared = Settings.model_validate(
        {"intake_sources": {"desk": {"secrets": ["s" * 32], "roles": ["engineer"]}}}
    )
    assert "s" * 32 not in repr(declared) + str(declared.intake_sources)


def test_a_record_keyed_other_than_its_case_is_invalid() -> None:
    from consumers.intake_auth import keyed_by_case
    from domain.parsing import InvalidMessage, parse_message

    line = (
        b'{"message_id": "m-1", "case_id": "C-1", "type": "case.closed",'
        b' "at": "2026-10-01T10:00:00Z", "actor": {"id": "eng-1", "role": "engineer"}}'
    )
    message = parse_message(line)
    assert keyed_by_case(b"C-1", message) is message
    assert keyed_by_case(None, message) is message  # no key: nothing to disagree with
    wrong = keyed_by_case(b"C-2", message)
    assert isinstance(wrong, InvalidMessage)
    assert wrong.rejection.reason is ReasonCode.INVALID_MESSAGE
    assert wrong.rejection.detail == "the record's key 'C-2' is not its case_id 'C-1'"
    assert (wrong.message_id, wrong.case_id) == ("m-1", "C-1")
