"""CASEBOOK_API_TOKENS: JSON token -> role; a bad entry is refused without naming the token."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from casebook.settings import Settings
from casebook.web.auth import role_of


def test_tokens_are_read_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("CASEBOOK_API_TOKENS", json.dumps({"t-1": "analyst", "t-2": "admin"}))
    assert Settings().api_tokens == {"t-1": "analyst", "t-2": "admin"}


def test_no_tokens_by_default(monkeypatch):
    monkeypatch.delenv("CASEBOOK_API_TOKENS", raising=False)
    assert Settings().api_tokens == {}


@pytest.mark.parametrize("tokens", [{"secret-token-1": "root"}, {"  ": "admin"}])
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
