"""Refresh tokens rotate on every use, and reusing a rotated one revokes the whole family
(RFC 9700 §4.14.2). Not an OIDF module: issue 11 item 14."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def refresh(op, token: str):
    return op.rp.token_post({"grant_type": "refresh_token", "refresh_token": token})


def works(op, access_token: str) -> bool:
    return op.rp.userinfo(access_token).status_code == 200


def test_refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family(op):
    _, _, outcome = op.login(op.browser())
    first = outcome.tokens
    second = refresh(op, first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    # Rotation: a new refresh token each time, and the spent one is refused.
    assert second["refresh_token"] != first["refresh_token"]
    assert works(op, second["access_token"])
    third = refresh(op, second["refresh_token"])
    assert third.status_code == 200, third.text
    third = third.json()
    assert works(op, third["access_token"])

    # An attacker replays the first, rotated token: refused, and the family is revoked.
    replay = refresh(op, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant", replay.text
    latest = refresh(op, third["refresh_token"])
    assert latest.status_code == 400 and latest.json()["error"] == "invalid_grant", latest.text
    assert not works(op, third["access_token"])
    assert not works(op, second["access_token"])


def test_refresh_families_are_separate(op):
    """Reuse in one sign-in's family leaves another sign-in's tokens alone."""
    _, _, one = op.login(op.browser())
    _, _, two = op.login(op.browser())
    rotated = refresh(op, one.tokens["refresh_token"])
    assert rotated.status_code == 200
    assert refresh(op, one.tokens["refresh_token"]).status_code == 400
    assert works(op, two.tokens["access_token"])
    assert refresh(op, two.tokens["refresh_token"]).status_code == 200
