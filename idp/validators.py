"""The one OAuth2Validator: every lookup is scoped to the tenant the request came in on."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
import uuid
from datetime import timedelta
from urllib.parse import unquote_plus

from django.db import connections, router, transaction
from django.db.models import Subquery
from django.utils import timezone
from oauth2_provider.bcp import bcp_compliant
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from idp import token_store
from idp.discovery import CLAIMS
from idp.models import AuthorizationCode
from tenants import cache as tenant_cache
from tenants.models import ClientSecret, OIDCClient, RedirectURL, SigningKey, Tenant
from tenants.oidc.client_secrets import client_secret_digests, live_secret_match
from tenants.oidc.crypto import SigningKeyUnavailable, sign_jwt
from tenants.oidc.endpoints import client_uses_issuer
from tenants.oidc.keys import signing_key_active
from tenants.oidc.redirects import redirect_url_matches

# Not an HTTP header: WSGI puts client headers under HTTP_*, so a client cannot send this key.
TENANT_KEY = "latchkey.tenant"
RESPONSE_TYPES = ("code", "id_token")
PKCE_METHOD = "S256"
# Updating last_used_at on every token request would turn each exchange into a write.
SECRET_TOUCH_INTERVAL = timedelta(minutes=1)
# (digest of a secret) -> when this process last wrote its last_used_at (monotonic seconds).
_secret_touched: dict[str, float] = {}

Grant = get_grant_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def code_digest(code: str) -> str:
    """The stored form of an authorization code."""
    return hashlib.sha256(code.encode()).hexdigest()


def bearer_token_generate(request) -> str:
    """ACCESS/REFRESH_TOKEN_GENERATOR for DOT: 256 random bits from one urandom call.

    oauthlib's default draws each of its 30 characters with its own SystemRandom call.
    """
    return secrets.token_urlsafe(32)


def pkce_required(client_id) -> bool:
    """PKCE_REQUIRED for DOT: required unless the client is confidential (has a secret)."""
    client = OIDCClient.objects.filter(client_id=client_id).only("client_type").first()
    return client is None or client.client_type != OIDCClient.CLIENT_CONFIDENTIAL


def _active_kid(tenant_ref) -> Subquery:
    """The kid of the tenant's active RS256 key, as a subquery (no round trip of its own).

    It is read fresh with the client or the grant on every request, so a rotation or a
    revocation takes effect at once.
    """
    active = SigningKey.objects.filter(
        tenant=tenant_ref, state=SigningKey.State.ACTIVE, algorithm="RS256"
    )
    return Subquery(active.values("kid")[:1])


def client_with_redirect_urls(*, tenant, client_id: str) -> OIDCClient | None:
    """The tenant's client with its redirect URLs (and the active kid) in one statement."""
    rows = list(
        RedirectURL.objects.for_tenant(tenant)
        .filter(client__client_id=client_id)
        .select_related("client")
        .annotate(latchkey_active_kid=_active_kid(tenant.pk))
        .order_by("created_at", "id")
    )
    if not rows:
        # A client without any redirect URL can only fail; two plain queries are fine then.
        client = (
            OIDCClient.objects.for_tenant(tenant)
            .filter(client_id=client_id)
            .prefetch_related("redirect_urls")
            .first()
        )
    else:
        client = rows[0].client
        client.latchkey_active_kid = rows[0].latchkey_active_kid
        for row in rows:
            row.client = client
        # Fill the prefetch cache the way prefetch_related would, from the joined rows.
        urls = client.redirect_urls.all()
        urls._result_cache = rows
        urls._prefetch_done = True
        client._prefetched_objects_cache = {"redirect_urls": urls}
    if client is not None:
        client.tenant = tenant
    return client


def _client_with_redirect_urls(tenant, client_id: str) -> OIDCClient | None:
    """The same, from this process's copy while no client, URL, secret or key changed."""
    if not tenant_cache.enabled():
        return client_with_redirect_urls(tenant=tenant, client_id=client_id)
    return tenant_cache.cached_oidc(
        ("client", tenant.pk, client_id),
        lambda: client_with_redirect_urls(tenant=tenant, client_id=client_id),
    )


def client_with_secrets(*, tenant, client_id: str) -> OIDCClient | None:
    """The client as authorize loads it, plus its live secrets' digests (token endpoint)."""
    client = client_with_redirect_urls(tenant=tenant, client_id=client_id)
    if client is not None:
        client.latchkey_secrets = client_secret_digests(client=client)
    return client


def _client_with_secrets(tenant, client_id: str) -> OIDCClient | None:
    """The same, from this process's copy while no client, URL, secret or key changed.

    Any save or delete of a secret (a revocation included) bumps the OIDC version, so a
    revoked secret stops working at once; the digest compare itself runs on every request.
    """
    if not tenant_cache.enabled():
        return client_with_secrets(tenant=tenant, client_id=client_id)
    return tenant_cache.cached_oidc(
        ("token-client", tenant.pk, client_id),
        lambda: client_with_secrets(tenant=tenant, client_id=client_id),
    )


def user_claims(user, scopes) -> dict:
    """Claims about the user for the granted scopes (ID token and userinfo alike)."""
    claims = {"sub": user.subject}
    if "profile" in scopes:
        for name, value in (
            ("name", user.name),
            ("nickname", user.nickname),
            ("given_name", user.given_name),
            ("family_name", user.family_name),
        ):
            if value:
                claims[name] = value
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified_at is not None
    return claims


def _insert_parts(obj, connection) -> tuple[str, list]:
    """INSERT … VALUES of one unsaved row (its auto primary key left to the database)."""
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values


def insert_grant_and_code(grant, record) -> None:
    """DOT's Grant and our AuthorizationCode: on PostgreSQL in one statement (one round trip,
    and atomic: neither row exists without the other); elsewhere two INSERTs, as before (a
    grant without its record is refused at the token endpoint)."""
    using = router.db_for_write(AuthorizationCode)
    connection = connections[using]
    if connection.vendor != "postgresql":
        grant.save(force_insert=True, using=using)
        record.save(force_insert=True, using=using)
        return
    grant_sql, grant_params = _insert_parts(grant, connection)
    code_sql, code_params = _insert_parts(record, connection)
    sql = (
        f"WITH latchkey_grant AS ({grant_sql} RETURNING id) "
        f"{code_sql} RETURNING id, (SELECT id FROM latchkey_grant)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*grant_params, *code_params])
        record.pk, grant.pk = cursor.fetchone()
    for obj in (grant, record):
        obj._state.adding = False
        obj._state.db = using


class TenantOAuthLibCore(OAuthLibCore):
    """DOT's bridge to oauthlib, carrying the resolved tenant to the validator."""

    def extract_headers(self, request):
        headers = super().extract_headers(request)
        headers.pop(TENANT_KEY, None)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            headers[TENANT_KEY] = tenant
        return headers


class TenantValidator(OAuth2Validator):
    """DOT's validator, with clients, codes, tokens, keys and issuer taken from the tenant."""

    # --- tenant and clients ------------------------------------------------------------------

    @staticmethod
    def tenant_of(request) -> Tenant:
        """The tenant of this oauthlib request; there is none only through a wiring mistake."""
        tenant = (request.headers or {}).get(TENANT_KEY) if request is not None else None
        if not isinstance(tenant, Tenant):
            raise RuntimeError("OAuth request without a resolved tenant")
        return tenant

    def _load_application(self, client_id, request):
        tenant = self.tenant_of(request)
        cached = request.client
        if (
            isinstance(cached, OIDCClient)
            and cached.client_id == client_id
            and cached.tenant_id == tenant.pk
        ):
            return cached
        request.client = None
        if not isinstance(client_id, str) or not client_id or len(client_id) > 100:
            return None
        if "\x00" in client_id:
            return None
        if getattr(request, "response_type", None):
            # The authorization endpoint checks the redirect URI (twice): load them with it.
            client = _client_with_redirect_urls(tenant, client_id)
        else:
            # The token and revocation endpoints: the client with its secrets' digests.
            client = _client_with_secrets(tenant, client_id)
        if client is not None and not client_uses_issuer(client, tenant):
            client = None
        if client is not None:
            # The tenant is already loaded; spare the query when the client reads it.
            client.tenant = tenant
        request.client = client
        return client

    def _basic_credentials(self, request):
        auth_string = self._extract_basic_auth(request)
        if not auth_string:
            return None
        try:
            decoded = base64.b64decode(auth_string, validate=True).decode("utf-8")
            client_id, secret = decoded.split(":", 1)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return ("", "")
        return unquote_plus(client_id), unquote_plus(secret)

    def authenticate_client(self, request, *args, **kwargs):
        """client_secret_basic, else client_secret_post; one keyed-digest compare."""
        credentials = self._basic_credentials(request)
        if credentials is None:
            credentials = (
                getattr(request, "client_id", None) or "",
                getattr(request, "client_secret", None) or "",
            )
        client_id, secret = credentials
        if not client_id or not secret:
            return False
        client = self._load_application(client_id, request)
        if client is None or client.client_type != OIDCClient.CLIENT_CONFIDENTIAL:
            return False
        secrets = getattr(client, "latchkey_secrets", None)
        if secrets is None:
            secrets = client_secret_digests(client=client)
        now = timezone.now()
        match = live_secret_match(secrets=secrets, secret=secret, now=now)
        if match is None:
            return False
        if match.last_used_at is None or match.last_used_at < now - SECRET_TOUCH_INTERVAL:
            # The process's copy keeps the last_used_at it read: remember our own writes.
            clock = time.monotonic()
            touched = _secret_touched.get(match.digest)
            if touched is None or touched <= clock - SECRET_TOUCH_INTERVAL.total_seconds():
                ClientSecret.objects.filter(pk=match.pk).update(last_used_at=now)
                if tenant_cache.enabled():
                    if len(_secret_touched) > 10_000:
                        _secret_touched.clear()
                    _secret_touched[match.digest] = clock
        return True

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        if response_type not in RESPONSE_TYPES:
            # oauthlib knows token, hybrid and none and would call them unauthorized_client;
            # this server supports none of them for any client (RFC 6749 §4.1.2.1).
            raise errors.UnsupportedResponseTypeError(request=request)
        return super().validate_response_type(client_id, response_type, client, request)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        """Known scopes are granted; unknown ones are dropped (OIDC Core §3.1.2.1: SHOULD ignore).

        Only a request with no known scope at all is refused (invalid_scope).
        """
        known = [scope for scope in scopes if scope in oauth2_settings.SCOPES]
        if not known:
            return False
        if len(known) != len(scopes):
            request.scopes = known
        return True

    def is_pkce_required(self, client_id, request):
        client = self._load_application(client_id, request)
        return client is None or client.client_type != OIDCClient.CLIENT_CONFIDENTIAL

    def validate_silent_login(self, request):
        # The authorize view answers prompt=none itself: it knows the tenant's sign-in.
        return True

    def validate_silent_authorization(self, request):
        # Clients are first-party to their tenant (skip_authorization): there is no consent.
        return True

    def validate_user_match(self, id_token_hint, scopes, claims, request):
        return True

    def get_oidc_issuer_endpoint(self, request):
        return self.tenant_of(request).issuer

    # --- authorization codes -----------------------------------------------------------------

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        if request.code_challenge and request.code_challenge_method != PKCE_METHOD:
            raise errors.InvalidRequestError(
                description="code_challenge_method must be S256.", request=request
            )
        tenant = self.tenant_of(request)
        if request.code_challenge_method == "plain" and bcp_compliant(
            "COMPLIANT_BCP_RFC9700_PKCE_METHOD", 'The PKCE "plain" code_challenge_method'
        ):
            # DOT's own rule (RFC 9700 §2.1.1), checked before anything is written.
            raise errors.InvalidRequestError(
                description='Unsupported "plain" code_challenge_method; use "S256".',
                request=request,
            )
        # DOT's Grant, built as its _create_authorization_code would.
        grant = Grant(
            application=request.client,
            user=request.user,
            code=code["code"],
            expires=timezone.now()
            + timedelta(seconds=oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS),
            redirect_uri=request.redirect_uri,
            scope=" ".join(request.scopes),
            code_challenge=request.code_challenge or "",
            code_challenge_method=request.code_challenge_method or "",
            nonce=request.nonce or "",
            claims=json.dumps(request.claims or {}),
            resource=getattr(request, "resource", []),
        )
        record = AuthorizationCode(
            tenant=tenant,
            client=request.client,
            user=request.user,
            code_digest=code_digest(code["code"]),
            auth_time=int(getattr(request, "auth_time", None) or time.time()),
            amr=list(getattr(request, "amr", None) or []),
            expires_at=grant.expires,
            # Chosen now, so a reuse can revoke the tokens without the exchange writing back.
            refresh_token_family=uuid.uuid4(),
        )
        insert_grant_and_code(grant, record)

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        # Called by oauthlib before the client is authenticated, only to pick OIDC or OAuth 2.
        facts = self.code_facts(code, request)
        return facts.scope.split() if facts is not None and facts.grant_id else []

    def code_facts(self, code, request) -> token_store.CodeFacts | None:
        """One statement loads what the whole exchange needs, once per request: our code
        record's sign-in facts, DOT's grant (gone once redeemed) and the user."""
        if not isinstance(code, str) or not code or len(code) > 255:
            return None
        cached = getattr(request, "latchkey_code_facts", None)
        if cached is not None and cached[0] == code:
            return cached[1]
        tenant = self.tenant_of(request)
        facts = token_store.code_facts(tenant_id=tenant.pk, code=code, digest=code_digest(code))
        request.latchkey_code_facts = (code, facts)
        return facts

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        """The code is this client's, unexpired and unredeemed; save_bearer_token claims it.

        The claim (single use) is written with the tokens in one statement, so a code is
        spent only by a request that passed every check (PKCE and redirect_uri included).
        """
        facts = self.code_facts(code, request)
        if facts is None or facts.client_id != client.pk:
            return False
        if facts.redeemed:
            self._code_reused(facts, client)
            return False
        if not facts.redeemable(timezone.now()):
            return False
        request.scopes = facts.scope.split()
        request.user = facts.user
        request.nonce = facts.nonce or None
        request.claims = json.loads(facts.claims) if facts.claims else None
        request.auth_time = facts.auth_time
        request.amr = list(facts.amr)
        request.latchkey_grant = facts
        return True

    @staticmethod
    def _code_reused(facts, client) -> None:
        from idp.oidc_services import authorization_code_reuse

        authorization_code_reuse(code=AuthorizationCode(pk=facts.code_id), client=client)

    def get_code_challenge(self, code, request):
        grant = getattr(request, "latchkey_grant", None)
        challenge = (grant.code_challenge or None) if grant is not None else None
        if challenge is None and request.code_verifier is not None:
            # RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade.
            raise errors.InvalidGrantError(
                description="code_verifier sent for a code issued without code_challenge.",
                request=request,
            )
        return challenge

    def get_code_challenge_method(self, code, request):
        grant = getattr(request, "latchkey_grant", None)
        return (grant.code_challenge_method or None) if grant is not None else None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        request = kwargs.get("request") or (args[0] if args else None)
        grant = getattr(request, "latchkey_grant", None)
        if grant is not None and grant.redirect_uri and request.using_default_redirect_uri:
            # RFC 6749 §4.1.3: REQUIRED when the authorization request carried one (it always
            # does here); oauthlib would otherwise fill in the client's only registered URL.
            raise errors.InvalidRequestError(
                description="redirect_uri is required: the authorization request carried one.",
                request=request,
            )
        if grant is None or not redirect_url_matches(grant.redirect_uri, redirect_uri):
            # RFC 6749 §5.2: a code used with another redirect_uri is an invalid grant.
            raise errors.InvalidGrantError(
                description="redirect_uri differs from the authorization request.", request=request
            )
        return True

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        grant = getattr(request, "latchkey_grant", None)
        return (grant.nonce or None) if grant is not None else None

    # --- tokens ------------------------------------------------------------------------------

    def _check_and_set_request_resource(self, request):
        grant = getattr(request, "latchkey_grant", None)
        if request.grant_type != "authorization_code" or grant is None:
            return super()._check_and_set_request_resource(request)
        # DOT re-reads the grant here; validate_code already holds it. The rest is DOT's rule
        # (RFC 8707): a token request may narrow the granted resources, never widen them.
        requested = getattr(request, "resource", None)
        if isinstance(requested, str):
            body = [v for k, v in (getattr(request, "decoded_body", None) or []) if k == "resource"]
            requested = body if len(body) > 1 else ([requested] if requested.strip() else [])
        request.resource = list(requested or [])
        self._validate_resource_uris(request, request.resource)
        granted = grant.resource or []
        if request.resource and granted:
            for resource in request.resource:
                if resource not in granted:
                    raise errors.CustomOAuth2Error(
                        error="invalid_target",
                        description=f"The requested resource '{resource}' was not granted.",
                        request=request,
                    )
        elif granted:
            self._validate_resource_uris(request, granted)
            request.resource = granted

    def save_bearer_token(self, token, request, *args, **kwargs):
        # An OAuth error inside a savepoint-less block would roll the claim back with it, so
        # the one DOT can raise there (RFC 8707 invalid_target) is checked first.
        self._check_and_set_request_resource(request)
        facts = getattr(request, "latchkey_grant", None)
        if request.grant_type != "authorization_code" or facts is None:
            # Refresh: DOT's rotation and reuse rules, inside the token view's transaction.
            with transaction.atomic(using=router.db_for_write(AccessToken), savepoint=False):
                return self._save_bearer_token(token, request, *args, **kwargs)
        return self._save_code_tokens(token, request, facts)

    def _save_code_tokens(self, token, request, facts) -> None:
        """Claim the code and store its tokens at once; a concurrent redemption gets nothing.

        The loser's claim waits for the winner's row lock, finds the code redeemed and
        revokes what the winner got (RFC 6749 §4.1.2), like any later reuse.
        """
        now = timezone.now()
        resource = getattr(request, "resource", [])
        # Ids, not instances: the related-object descriptors run the router on each set.
        access_token = AccessToken(
            user_id=request.user.pk,
            scope=token["scope"],
            expires=now
            + timedelta(
                seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
            ),
            application_id=request.client.pk,
            resource=resource,
        )
        self._set_token_value(access_token, token["access_token"])
        refresh_token = None
        if token.get("refresh_token"):
            refresh_token = RefreshToken(
                user_id=request.user.pk,
                application_id=request.client.pk,
                # Chosen at authorization time, so a reuse can revoke without a write-back.
                token_family=facts.refresh_token_family or uuid.uuid4(),
                resource=resource,
            )
            self._set_token_value(refresh_token, token["refresh_token"])
        claimed = token_store.code_redeem(
            facts=facts,
            now=now,
            access_token=access_token,
            refresh_token=refresh_token,
        )
        if not claimed:
            if AuthorizationCode.objects.filter(
                pk=facts.code_id, redeemed_at__isnull=False
            ).exists():
                self._code_reused(facts, request.client)
            raise errors.InvalidGrantError(request=request)
        request.latchkey_code_redeemed = True

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        if getattr(request, "latchkey_code_redeemed", False):
            return  # DOT's grant went with the claim
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)

    def refresh_id_token(self, request):
        # A refresh returns a new access token only: the sign-in facts stay with the code.
        return False

    def validate_bearer_token(self, token, scopes, request):
        if not isinstance(token, str) or not token or len(token) > 512:
            return False
        if not super().validate_bearer_token(token, scopes, request):
            return False
        tenant = self.tenant_of(request)
        user = request.user
        if (
            request.client is None
            or request.client.tenant_id != tenant.pk
            or user is None
            or user.tenant_id != tenant.pk
            or not user.is_active
        ):
            request.oauth2_error = {"error": "invalid_token"}
            return False
        revoked = user.sessions_valid_after
        if revoked is not None and request.access_token.created < revoked:
            request.oauth2_error = {"error": "invalid_token"}
            return False
        return True

    def validate_jwt_bearer_token(self, token, scopes, request):
        # ID tokens are not access tokens.
        return False

    def validate_id_token(self, token, scopes, request):
        return False

    # --- ID tokens and claims ----------------------------------------------------------------

    def get_userinfo_claims(self, request):
        return user_claims(request.user, request.scopes)

    def get_discovery_claims(self, request):
        return list(CLAIMS)

    def finalize_id_token(self, id_token, token, token_handler, request):
        """Sign with the tenant's active key, `kid` in the header; never alg none.

        No DOT IDToken row is written: nothing reads one (an id_token_hint is checked by its
        signature, idp.id_token_hint; a reused code revokes by its refresh-token family).
        """
        tenant = self.tenant_of(request)
        kid = getattr(request.client, "latchkey_active_kid", None)
        if kid is None:
            active = signing_key_active(tenant=tenant)
            kid = active.kid if active is not None else None
        now = int(time.time())
        expires = now + oauth2_settings.ID_TOKEN_EXPIRE_SECONDS
        claims = dict(id_token)
        claims.update(user_claims(request.user, request.scopes))
        claims.update(
            iss=tenant.issuer,
            aud=request.client.client_id,
            iat=now,
            exp=expires,
            auth_time=int(getattr(request, "auth_time", None) or now),
            amr=list(getattr(request, "amr", None) or []),
            jti=str(uuid.uuid4()),
        )
        if request.nonce:
            claims["nonce"] = request.nonce
        try:
            return sign_jwt(kid=kid, claims=claims)
        except SigningKeyUnavailable:
            raise errors.ServerError(description="The tenant has no active signing key.") from None
