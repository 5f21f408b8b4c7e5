"""CASEBOOK_API_TOKENS: JSON token -> role; a bad entry is refused without naming the token."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from casebook.settings import Settings
from casebook.web.auth import role_of

T1, T2 = "t-1-" + "a" * 28, "t-2-" + "b" * 28


def test_tokens_are_read_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("CASEBOOK_API_TOKENS", json.dumps({T1: "analyst", T2: "admin"}))
    assert Settings().api_tokens == {T1: "analyst", T2: "admin"}


@pytest.mark.parametrize("length", [8, 16, 31])
def test_a_token_shorter_than_32_characters_is_refused_without_echoing_it(monkeypatch, length):
    short = ("Q7x" * 11)[:length]
    monkeypatch.setenv("CASEBOOK_API_TOKENS", json.dumps({short: "analyst", T1: "admin"}))
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "at least 32 characters" in str(refused.value)
    assert short not in str(refused.value)


def test_a_32_character_token_is_accepted(monkeypatch):
    monkeypatch.setenv("CASEBOOK_API_TOKENS", json.dumps({"x" * 32: "auditor"}))
    assert Settings().api_tokens == {"x" * 32: "auditor"}


def test_no_tokens_by_default(monkeypatch):
    monkeypatch.delenv("CASEBOOK_API_TOKENS", raising=False)
    assert Settings().api_tokens == {}


@pytest.mark.parametrize("tokens", [{"secret-token-1-" + "z" * 20: "root"}, {" " * 40: "admin"}])
def test_an_unknown_role_or_blank_token_is_refused_without_echoing_it(monkeypatch, tokens):
    monkeypatch.setenv("CASEBOOK_API_TOKENS", json.dumps(tokens))
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "secret-token-1" not in str(refused.value)


def test_a_token_matches_only_exactly():
    tokens = {"abc": "analyst", "abcd": "admin"}
    assert role_of("abc", tokens) == "analyst"
    assert role_of("abcd", tokens) == "admin"
    assert role_of("ab", tokens) is None
    assert role_of("ABC", tokens) is None
    assert role_of("", tokens) is None
