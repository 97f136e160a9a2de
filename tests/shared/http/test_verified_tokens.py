"""Verified tokens are kept briefly by their text, never past their expiry or another key."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from shared.http import auth
from shared.http.auth import AuthError, decode_token, issue_token
from tests.support.apps import SECRET

OTHER = "another-secret-that-is-long-enough-for-hs256-012345"


def test_a_kept_token_is_refused_once_it_expires(monkeypatch):
    token = issue_token(SECRET, "erin", ["viewer"], timedelta(seconds=30))
    assert decode_token(SECRET, token).sub == "erin"
    later = time.time() + 31

    def check_again(key: str, text: str) -> tuple[object, float]:
        raise AuthError(401, "token expired")  # what PyJWT answers at that time

    monkeypatch.setattr("shared.http.auth.time.time", lambda: later)
    monkeypatch.setattr(auth, "_decode", check_again)
    with pytest.raises(AuthError) as refused:
        decode_token(SECRET, token)
    assert refused.value.status == 401


def test_a_token_kept_under_one_key_is_not_trusted_under_another():
    token = issue_token(SECRET, "erin", ["admin"], timedelta(hours=1))
    assert decode_token(SECRET, token).roles == frozenset({"admin"})
    with pytest.raises(AuthError):
        decode_token(OTHER, token)


def test_a_refused_token_is_not_kept_and_a_kept_one_is_not_checked_again(monkeypatch):
    token = issue_token(SECRET, "erin", ["viewer"], timedelta(hours=1))
    with pytest.raises(AuthError):
        decode_token(SECRET, token + "x")
    assert (SECRET, token + "x") not in auth._verified
    decode_token(SECRET, token)
    monkeypatch.setattr(auth, "_decode", None)  # a second check would fail loudly
    assert decode_token(SECRET, token).sub == "erin"
