"""The cached token in its last minute: Toast hands out a new token only then (toast_api.md
§6.1), so the client logs in again before using a token with a minute or less left, instead of
sending it and meeting a 401 mid-sync."""

from __future__ import annotations

import pytest
from fivetran_connector_sdk import Logging

import connector
from tests.conftest import make_configuration, toast_server, virtual_time

LOGIN = "/authentication/v1/authentication/login"
# A token Toast issues for less than the client's refresh margin: each one starts in its last
# minute, so every request needs a new one (and the fake issues a new one: it has under a minute).
SHORT_TTL_SECONDS = 30
assert SHORT_TTL_SECONDS < connector._TOKEN_REFRESH_MARGIN_SECONDS


def test_given_a_cached_token_in_its_last_minute_then_it_is_renewed_before_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Logging, "LOG_LEVEL", Logging.Level.INFO)  # the runner sets it
    with toast_server(token_ttl_seconds=SHORT_TTL_SECONDS) as server, virtual_time() as virtual:
        settings = connector.validate_configuration(make_configuration(server))
        tokens = connector.TokenCache(settings.fernet, None)
        client = connector.ToastClient(settings, tokens, sleep=virtual.sleep, clock=virtual.clock)
        try:
            client.get("/partners/v1/restaurants", None)  # logs in: no token yet
            first = tokens.token
            client.get("/partners/v1/restaurants", None)  # that token has 30 s left
        finally:
            client.close()
    assert first is not None and tokens.token is not None
    assert server.logins == 2
    sent = [(r.path, r.authorization) for r in server.requests]
    assert [path for path, _ in sent] == [LOGIN, "/partners/v1/restaurants"] * 2
    assert sent[1][1] == f"Bearer {first.value.reveal()}"
    assert sent[3][1] == f"Bearer {tokens.token.value.reveal()}"
    assert tokens.token.value.reveal() != first.value.reveal()  # renewed, never a 401
    assert [r.status for r in server.requests] == [200] * 4
