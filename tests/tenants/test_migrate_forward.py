"""A database made by the schema of commit 7b1974d migrates forward with nothing lost."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from jwcrypto import jwk, jwt

from accounts.models import Membership, User, WebAuthnCredential
from tenants.audit import AuditEvent
from tenants.models import ClientSecret, OIDCClient, RedirectURL, SigningKey, Tenant
from tenants.oidc.client_secrets import client_secret_match, secret_digest, secret_generate
from tenants.oidc.crypto import (
    encrypt_private_key,
    generate_private_key_pem,
    public_jwk_for,
    sign_jwt,
)
from tests.idp.signin_support import private_cache, sign_in  # noqa: F401  (fixture)
from tests.support.soft_webauthn import SoftAuthenticator

# The leaf migration of each of our apps on main at 7b1974d, before this moves.
OLD_LEAVES = [
    ("tenants", "0002_signing_key_lifecycle"),
    ("accounts", "0004_access_request"),
    ("idp", "0001_initial"),
    ("portal", "0001_initial"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _populate(old, authenticator) -> dict:
    """Rows of every kind, written through the models as they were at 7b1974d."""
    now = timezone.now().replace(microsecond=0)
    tenant = old.get_model("tenants", "Tenant").objects.create(
        slug="before", display_name="Before & Co", oidc_enabled=True
    )
    user_model = old.get_model("accounts", "User")
    admin = user_model.objects.create(email="admin@before.example", password="!")
    end_user = user_model.objects.create(
        email="ada@before.example", tenant=tenant, given_name="Ada", email_verified_at=now
    )
    old.get_model("accounts", "Membership").objects.create(
        user=admin, tenant=tenant, role="read_write"
    )
    rp_id = urlsplit(settings.PUBLIC_URL).hostname
    credential = authenticator.add_credential(rp_id, bytes(end_user.webauthn_handle))
    old.get_model("accounts", "WebAuthnCredential").objects.create(
        user=end_user,
        credential_id=credential.credential_id,
        public_key=credential.cose_public_key(),
        sign_count=0,
        transports=["internal"],
        name="Old phone",
    )
    client = old.get_model("tenants", "OIDCClient").objects.create(
        tenant=tenant,
        name="Old RP",
        client_id="old-client-id",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        client_secret="",
        skip_authorization=True,
        algorithm="RS256",
        response_type="code",
        response_mode="form_post",
    )
    old.get_model("tenants", "RedirectURL").objects.create(
        tenant=tenant, client=client, kind="login", url="https://rp.before.example/cb"
    )
    plain = secret_generate()
    old.get_model("tenants", "ClientSecret").objects.create(
        tenant=tenant,
        client=client,
        name="first",
        digest=secret_digest(plain),
        hint=plain[-4:],
        created_by=admin,
        expires_at=now + timedelta(days=30),
    )
    pem = generate_private_key_pem("RS256")
    kid, public = public_jwk_for(pem, "RS256")
    old.get_model("tenants", "SigningKey").objects.create(
        tenant=tenant,
        kid=kid,
        algorithm="RS256",
        state="active",
        private_key_encrypted=encrypt_private_key(pem),
        public_jwk=public,
        published_at=now,
        activated_at=now,
    )
    event = old.get_model("accounts", "AuditEvent").objects.create(
        action="tenant.created",
        actor=admin,
        actor_email=admin.email,
        tenant=tenant,
        target_type="tenants.Tenant",
        target_id=str(tenant.pk),
        target_repr="Before & Co",
        details={"reason": "seeded before the move"},
        ip="192.0.2.7",
        user_agent="old-agent",
    )
    return {
        "tenant": tenant.pk,
        "admin": admin.pk,
        "end_user": end_user.pk,
        "subject": end_user.subject,
        "credential_id": credential.credential_id,
        "secret": plain,
        "kid": kid,
        "public": public,
        "event": event.pk,
        "event_at": event.created_at,
    }


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_migrates_forward_with_every_row(client, private_cache):  # noqa: F811
    authenticator = SoftAuthenticator()
    try:
        old = _migrate(OLD_LEAVES)
        seeded = _populate(old, authenticator)
    finally:
        # Always leave the newest schema behind, whatever happened above.
        _migrate(None)

    tenant = Tenant.objects.get(pk=seeded["tenant"])
    assert (tenant.slug, tenant.display_name) == ("before", "Before & Co")
    assert tenant.oidc_enabled
    admin = User.objects.get(pk=seeded["admin"])
    assert admin.tenant is None and admin.email == "admin@before.example"
    assert Membership.objects.for_tenant(tenant).get(user=admin).role == "read_write"
    end_user = User.objects.for_tenant(tenant).get(pk=seeded["end_user"])
    assert (end_user.email, end_user.subject) == ("ada@before.example", seeded["subject"])
    passkey = WebAuthnCredential.objects.for_tenant(tenant).get(user=end_user)
    assert bytes(passkey.credential_id) == seeded["credential_id"]
    assert (passkey.name, passkey.sign_count, passkey.transports) == ("Old phone", 0, ["internal"])

    rp = OIDCClient.objects.for_tenant(tenant).get(client_id="old-client-id")
    assert (rp.name, rp.response_type, rp.response_mode) == ("Old RP", "code", "form_post")
    assert rp.redirect_uri_allowed("https://rp.before.example/cb")
    assert RedirectURL.objects.for_tenant(tenant).count() == 1
    secret = client_secret_match(client=rp, secret=seeded["secret"])
    assert secret is not None and secret.name == "first" and secret.created_by == admin
    assert ClientSecret.objects.for_tenant(tenant).count() == 1

    key = SigningKey.objects.for_tenant(tenant).get(kid=seeded["kid"])
    assert (key.state, key.public_jwk) == ("active", seeded["public"])
    token = jwt.JWT(
        jwt=sign_jwt(kid=key.kid, claims={"iss": tenant.issuer}),
        key=jwk.JWK(**seeded["public"]),
        algs=["RS256"],
    )
    assert json.loads(token.claims) == {"iss": tenant.issuer}

    event = AuditEvent.objects.for_tenant(tenant).get(pk=seeded["event"])
    assert event.actor == admin and event.actor_email == "admin@before.example"
    assert (event.action, event.target_type, event.target_id) == (
        "tenant.created",
        "tenants.Tenant",
        str(tenant.pk),
    )
    assert (event.details, event.ip, event.user_agent) == (
        {"reason": "seeded before the move"},
        "192.0.2.7",
        "old-agent",
    )
    assert event.created_at == seeded["event_at"]

    # The passkey registered before the upgrade still signs in, over HTTP.
    response = sign_in(client, tenant, authenticator, email="ada@before.example")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "signed_in"
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
