"""Bearer tokens and roles: who may see what.

Tokens come from settings (`CASEBOOK_API_TOKENS`), are compared in constant time and are
never logged or echoed. No token, or an unknown one, is 401; a known token whose role may
not see the resource is 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ANALYSTS = ("analyst", "admin")
AUDITORS = ("auditor", "admin")
EVERYONE = ("analyst", "auditor", "admin")

bearer = HTTPBearer(auto_error=False, description="A token from CASEBOOK_API_TOKENS.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def role_of(token: str, tokens: Mapping[str, str]) -> str | None:
    """The role of a token, comparing against every configured token in constant time."""
    found = None
    presented = token.encode("utf-8")
    for known, role in tokens.items():
        if hmac.compare_digest(presented, known.encode("utf-8")):
            found = role
    return found


def require(*roles: str) -> Callable[..., str]:
    """A dependency admitting only tokens of the given roles; it returns the caller's role."""

    def check(request: Request, credentials: Credentials) -> str:
        tokens: Mapping[str, str] = request.app.state.settings.api_tokens
        role = role_of(credentials.credentials, tokens) if credentials is not None else None
        if role is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"the {role} role may not see this"
            )
        return role

    return check
