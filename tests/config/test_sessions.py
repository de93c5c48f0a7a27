"""config.sessions: cached_db with one statement per write, and no rows for anonymous visits."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.sessions import SessionStore
from idp.session import enduser_current, enduser_sign_in
from tests import factories
from tests.idp.oidc_support import authorize_path, make_rp, oidc_tenant
from tests.idp.signin_support import post_json, url

pytestmark = pytest.mark.django_db


def _statements(ctx) -> list[str]:
    # SAVEPOINT/RELEASE only exist because the test runs inside a transaction.
    return [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


def test_it_is_the_configured_engine(settings):
    assert settings.SESSION_ENGINE == "config.sessions"


def test_a_new_session_is_one_insert_and_is_read_back():
    session = SessionStore()
    session["a"] = 1
    with CaptureQueriesContext(connection) as ctx:
        session.save()
    sql = _statements(ctx)
    assert len(sql) == 1 and sql[0].startswith("INSERT") and "ON CONFLICT" in sql[0], sql
    row = Session.objects.get(session_key=session.session_key)
    assert row.get_decoded() == {"a": 1} and row.expire_date > row.expire_date.now(
        row.expire_date.tzinfo
    )
    assert SessionStore(session.session_key)["a"] == 1  # from the cache
    from django.core.cache import cache

    cache.clear()
    assert SessionStore(session.session_key)["a"] == 1  # from the row


def test_a_taken_key_is_never_overwritten(monkeypatch):
    first = SessionStore()
    first["owner"] = "first"
    first.save()
    keys = iter([first.session_key, "k" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    second = SessionStore()
    second["owner"] = "second"
    second.save()
    assert second.session_key == "k" * 32
    assert Session.objects.get(session_key=first.session_key).get_decoded() == {"owner": "first"}
    assert Session.objects.get(session_key="k" * 32).get_decoded() == {"owner": "second"}


def test_a_change_is_one_update_and_a_deleted_session_is_not_brought_back():
    session = SessionStore()
    session["a"] = 1
    session.save()
    session["a"] = 2
    with CaptureQueriesContext(connection) as ctx:
        session.save()
    sql = _statements(ctx)
    assert len(sql) == 1 and sql[0].startswith("UPDATE"), sql
    assert Session.objects.get(session_key=session.session_key).get_decoded() == {"a": 2}
    Session.objects.all().delete()
    session["a"] = 3
    with pytest.raises(UpdateError):
        session.save()
    assert not Session.objects.exists()


def test_delete_removes_the_row_and_the_cached_copy():
    session = SessionStore()
    session["a"] = 1
    session.save()
    key = session.session_key
    with CaptureQueriesContext(connection) as ctx:
        session.delete()
    assert len(_statements(ctx)) == 1
    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(key).load() == {}


def test_sign_in_rotates_the_key_and_the_old_one_dies(rf, tenant):
    user = factories.end_user(tenant=tenant)
    request = rf.get("/")
    request.session = SessionStore()
    request.session["kept"] = "yes"
    request.session.save()
    planted = request.session.session_key
    enduser_sign_in(request, tenant=tenant, user=user, amr=["hwk"])
    request.session.save()
    fresh = request.session.session_key
    assert fresh != planted
    assert not Session.objects.filter(session_key=planted).exists()
    assert SessionStore(planted).load() == {}  # nor in the cache
    later = rf.get("/")
    later.session = SessionStore(fresh)
    assert later.session["kept"] == "yes"
    assert enduser_current(later, tenant=tenant).user == user


def test_a_rotation_is_one_update_of_the_key_and_the_cached_copy_moves():
    session = SessionStore()
    session["a"] = 1
    session.save()
    old = session.session_key
    session.rotate_key()
    session["b"] = 2
    with CaptureQueriesContext(connection) as ctx:
        session.save()
    sql = _statements(ctx)
    assert len(sql) == 1 and sql[0].startswith("UPDATE"), sql
    assert session.session_key != old
    assert not Session.objects.filter(session_key=old).exists()
    assert SessionStore(old).load() == {}  # nor in the cache
    assert Session.objects.get(session_key=session.session_key).get_decoded() == {"a": 1, "b": 2}
    assert SessionStore(session.session_key)["b"] == 2


def test_a_rotated_session_whose_row_is_gone_is_created_anew():
    session = SessionStore()
    session["a"] = 1
    session.save()
    old = session.session_key
    session.rotate_key()
    Session.objects.filter(session_key=old).delete()
    session.save()
    assert Session.objects.get(session_key=session.session_key).get_decoded() == {"a": 1}
    assert SessionStore(old).load() == {}


def test_a_rotated_session_ended_before_its_write_ends_the_old_key():
    session = SessionStore()
    session["a"] = 1
    session.save()
    old = session.session_key
    session.rotate_key()
    session.flush()
    assert not Session.objects.filter(session_key=old).exists()
    assert SessionStore(old).load() == {}


def test_anonymous_visits_create_no_session_rows(client):
    tenant = oidc_tenant()
    rp = make_rp(tenant)
    query = urlencode(
        {
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "response_type": "code",
            "scope": "openid",
            "state": "s",
            "nonce": "n",
        }
    )
    assert client.get(f"{authorize_path(tenant)}?{query}").status_code == 200  # the page
    assert client.get(url("sign-in", tenant)).status_code == 200
    assert post_json(client, url("signin-options", tenant)).status_code == 200
    body = {"email": "nobody@example.com"}
    assert post_json(client, url("signin-options", tenant), body).status_code == 200
    assert not Session.objects.exists()
    assert "sessionid" not in client.cookies


def test_new_keys_are_32_valid_characters_and_differ():
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS

    from config.sessions import new_session_key

    keys = {new_session_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(len(k) == 32 and set(k) <= set(VALID_KEY_CHARS) for k in keys)
