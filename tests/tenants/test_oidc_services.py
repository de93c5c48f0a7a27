"""OIDC settings, Redirect URLs and client secrets: the service layer."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from tenants.audit import AuditEvent
from tenants.models import ClientSecret, OIDCClient, RedirectURL
from tenants.oidc.client_secrets import client_secret_match, secret_digest
from tenants.oidc.redirects import redirect_url_problem
from tenants.oidc.selectors import (
    access_client_secret,
    access_redirect_url,
    client_get_primary,
    metadata_url,
)
from tenants.oidc.services import (
    client_get_or_create,
    client_secret_generate,
    client_secret_revoke,
    oidc_settings_update,
    redirect_url_add,
    redirect_url_remove,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant):
    return factories.membership(tenant=tenant, role="read_write").user


def _actions(tenant):
    return list(AuditEvent.objects.for_tenant(tenant).values_list("action", flat=True))


def test_client_is_created_once_with_code_flow_shape(tenant, admin):
    first = client_get_or_create(tenant=tenant, actor=admin)
    second = client_get_or_create(tenant=tenant, actor=admin)
    assert first.pk == second.pk
    assert first.client_type == OIDCClient.CLIENT_CONFIDENTIAL
    assert first.authorization_grant_type == OIDCClient.GRANT_AUTHORIZATION_CODE
    assert first.client_secret == "" and first.hash_client_secret is False
    assert first.response_type == "code" and first.response_mode == "form_post"
    assert _actions(tenant).count("oidc.client_created") == 1


def test_enable_oidc_is_audited_each_change(tenant, admin):
    oidc_settings_update(tenant=tenant, actor=admin, enabled=True)
    tenant.refresh_from_db()
    assert tenant.oidc_enabled is True
    oidc_settings_update(tenant=tenant, actor=admin, enabled=True)  # no change, no event
    oidc_settings_update(tenant=tenant, actor=admin, enabled=False)
    actions = _actions(tenant)
    assert actions.count("oidc.enabled") == 1
    assert actions.count("oidc.disabled") == 1
    event = AuditEvent.objects.for_tenant(tenant).filter(action="oidc.enabled").get()
    assert event.actor == admin


def test_inputs_merge_and_validate(tenant, admin):
    oidc_settings_update(tenant=tenant, actor=admin, inputs={"nickname": "required"})
    tenant.refresh_from_db()
    assert tenant.signup_inputs == {
        "given_name": "optional",
        "family_name": "optional",
        "nickname": "required",
    }
    with pytest.raises(ValidationError) as exc:
        oidc_settings_update(tenant=tenant, actor=admin, inputs={"email": "off"})
    assert "inputs" in exc.value.message_dict
    with pytest.raises(ValidationError):
        oidc_settings_update(tenant=tenant, actor=admin, inputs={"nickname": "maybe"})
    assert "oidc.settings_updated" in _actions(tenant)


def test_response_type_switches_dot_client_shape(tenant, admin):
    oidc_settings_update(tenant=tenant, actor=admin, response_type="id_token")
    client = client_get_primary(tenant=tenant)
    assert client.client_type == OIDCClient.CLIENT_PUBLIC
    assert client.authorization_grant_type == OIDCClient.GRANT_IMPLICIT
    oidc_settings_update(tenant=tenant, actor=admin, response_type="code", response_mode="query")
    client.refresh_from_db()
    assert client.client_type == OIDCClient.CLIENT_CONFIDENTIAL
    assert client.authorization_grant_type == OIDCClient.GRANT_AUTHORIZATION_CODE
    assert client.response_mode == "query"
    with pytest.raises(ValidationError):
        oidc_settings_update(tenant=tenant, actor=admin, response_type="token")
    with pytest.raises(ValidationError):
        oidc_settings_update(tenant=tenant, actor=admin, response_mode="web_message")


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp",
        "https://rp.example.com/cb/",
        "https://rp.example.com/CB?x=1",
        "http://localhost:5000/callback",
        "http://127.0.0.1/cb",
        "http://[::1]:8080/cb",
        "https://rp.example.com:8443/cb",
    ],
)
def test_valid_redirect_urls(url):
    assert redirect_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "Enter a URL"),
        ("/relative/path", "absolute"),
        ("rp.example.com/cb", "absolute"),
        ("https://rp.example.com/cb#frag", "fragment"),
        ("https://*.example.com/cb", "Wildcard"),
        ("https://rp.example.com/*", "Wildcard"),
        ("http://rp.example.com/cb", "https"),
        ("http://localhost.evil.com/cb", "https"),
        ("ftp://rp.example.com/cb", "absolute"),
        ("javascript:alert(1)", "absolute"),
        (" https://rp.example.com/cb", "spaces"),
        ("https://rp.example.com/c b", "spaces"),
        ("https://user:pw@rp.example.com/cb", "user name"),
        ("https://rp.example.com:99999/cb", "port"),
        ("https://[nothex]/cb", "valid"),
        ("https://" + "a" * 2000 + ".com/", "at most"),
    ],
)
def test_invalid_redirect_urls_say_why(url, reason):
    problem = redirect_url_problem(url)
    assert problem is not None
    assert reason.lower() in problem.lower()


def test_redirect_url_stored_exactly_and_removed(tenant, admin):
    url = "https://RP.example.com/Path/"
    entry = redirect_url_add(tenant=tenant, actor=admin, url=url)
    assert RedirectURL.objects.get(pk=entry.pk).url == url
    client = client_get_primary(tenant=tenant)
    assert client.redirect_uri_allowed(url)
    assert not client.redirect_uri_allowed("https://RP.example.com/Path")
    with pytest.raises(ValidationError) as exc:
        redirect_url_add(tenant=tenant, actor=admin, url=url)
    assert "already" in exc.value.message_dict["url"][0]
    with pytest.raises(ValidationError) as exc:
        redirect_url_add(tenant=tenant, actor=admin, url="https://x.example.com/#a")
    assert "fragment" in exc.value.message_dict["url"][0]
    redirect_url_remove(tenant=tenant, actor=admin, redirect_url=entry)
    assert not RedirectURL.objects.filter(pk=entry.pk).exists()
    assert {"oidc.redirect_url_added", "oidc.redirect_url_removed"} <= set(_actions(tenant))


def test_secret_generate_stores_only_digest_and_matches(tenant, admin):
    secret, plaintext = client_secret_generate(tenant=tenant, actor=admin, name="B2C")
    stored = ClientSecret.objects.get(pk=secret.pk)
    assert stored.digest == secret_digest(plaintext)
    assert plaintext not in (stored.digest, stored.name)
    assert stored.hint == plaintext[-4:]
    assert stored.created_by == admin
    client = client_get_primary(tenant=tenant)
    assert client_secret_match(client=client, secret=plaintext) == stored
    assert client_secret_match(client=client, secret=plaintext + "x") is None
    event = AuditEvent.objects.for_tenant(tenant).get(action="oidc.client_secret_generated")
    assert plaintext not in str(event.details)


def test_several_secrets_and_revoke(tenant, admin):
    old, old_plain = client_secret_generate(tenant=tenant, actor=admin, name="old")
    new, new_plain = client_secret_generate(
        tenant=tenant, actor=admin, name="new", expires_at=timezone.now() + timedelta(days=30)
    )
    client = client_get_primary(tenant=tenant)
    assert client_secret_match(client=client, secret=old_plain) == old
    assert client_secret_match(client=client, secret=new_plain) == new
    client_secret_revoke(tenant=tenant, actor=admin, secret=old)
    again = client_secret_revoke(tenant=tenant, actor=admin, secret=old)
    assert again.revoked_at is not None
    assert client_secret_match(client=client, secret=old_plain) is None
    assert client_secret_match(client=client, secret=new_plain) == new
    assert _actions(tenant).count("oidc.client_secret_revoked") == 1


def test_secret_validation(tenant, admin):
    with pytest.raises(ValidationError):
        client_secret_generate(tenant=tenant, actor=admin, name="  ")
    with pytest.raises(ValidationError):
        client_secret_generate(tenant=tenant, actor=admin, name="x" * 101)
    with pytest.raises(ValidationError) as exc:
        client_secret_generate(
            tenant=tenant, actor=admin, name="past", expires_at=timezone.now() - timedelta(1)
        )
    assert "future" in exc.value.message_dict["expires_at"][0]


def test_cross_tenant_objects_are_not_reachable(tenant, other_tenant, admin):
    outsider = factories.membership(tenant=other_tenant, role="read_write").user
    entry = redirect_url_add(tenant=other_tenant, actor=outsider, url="https://o.example.com/cb")
    secret, _ = client_secret_generate(tenant=other_tenant, actor=outsider, name="theirs")
    client_get_or_create(tenant=tenant, actor=admin)
    with pytest.raises(Http404):
        access_redirect_url(tenant=tenant, actor=admin, id=entry.pk)
    with pytest.raises(Http404):
        access_client_secret(tenant=tenant, actor=admin, id=secret.pk)
    with pytest.raises(ValueError):
        client_secret_revoke(tenant=tenant, actor=admin, secret=secret)
    with pytest.raises(ValueError):
        redirect_url_remove(tenant=tenant, actor=admin, redirect_url=entry)


def test_metadata_url_is_issuer_based(tenant, settings):
    settings.PUBLIC_URL = "https://id.example.com"
    assert metadata_url(tenant) == (
        f"https://id.example.com/t/{tenant.slug}/.well-known/openid-configuration"
    )
