"""End-user passkey registration, sign-in, email proof, recovery and passkey management."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts import ratelimit
from accounts.challenges import ChallengeMissing, challenge_issue, challenge_take
from accounts.email_links import email_link_issue
from accounts.mail import mail_send
from accounts.models import (
    EmailLink,
    User,
    WebAuthnCredential,
    generate_webauthn_handle,
    normalize_email,
)
from accounts.passkeys import credentials_for, passkey_find, passkey_register, passkey_use
from accounts.webauthn import (
    RelyingParty,
    WebAuthnError,
    authentication_options,
    load_response,
    parse_assertion,
    registration_options,
    relying_party_for,
    verify_assertion,
    verify_registration,
)
from idp.aaguids import authenticator_make
from idp.session import enduser_sign_in
from tenants.audit import audit_log, client_ip
from tenants.oidc.crypto import keyed_digest

CODE_DIGITS = 6
CODE_MAX_ATTEMPTS = 5
CODE_TTL_SECONDS = 600
RECOVERY_TTL_SECONDS = 900
PROOF_TTL_SECONDS = 900

# Fixed windows, several per subject: a burst is cut off after a minute's worth and a slow
# stream after an hour's worth; every window ends, so nobody is locked out for good.
LIMITS_OPTIONS = (
    ratelimit.Limit("idp-options-ip-1m", 60, 60),
    ratelimit.Limit("idp-options-ip-1h", 600, 3600),
)
LIMITS_OPTIONS_EMAIL = (ratelimit.Limit("idp-options-email-1m", 20, 60),)
LIMITS_VERIFY = (
    ratelimit.Limit("idp-verify-ip-1m", 30, 60),
    ratelimit.Limit("idp-verify-ip-1h", 300, 3600),
)
LIMITS_MAIL_IP = (
    ratelimit.Limit("idp-mail-ip-10m", 20, 600),
    ratelimit.Limit("idp-mail-ip-1d", 100, 86400),
)
LIMITS_MAIL_EMAIL = (
    ratelimit.Limit("idp-mail-email-10m", 3, 600),
    ratelimit.Limit("idp-mail-email-1d", 10, 86400),
)
LIMITS_CODE_IP = (ratelimit.Limit("idp-code-ip-10m", 30, 600),)

AMR_DEVICE_BOUND = ["hwk", "user", "mfa"]
AMR_SYNCED = ["swk", "user", "mfa"]


class SignInError(WebAuthnError):
    """A step of the sign-in we refuse; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


def tenant_relying_party(tenant) -> RelyingParty:
    """The tenant's WebAuthn RP: ID and origin from its settings, blank meaning PUBLIC_URL."""
    return relying_party_for(
        name=tenant.display_name or tenant.slug,
        rp_id=tenant.webauthn_rp_id,
        origin=tenant.webauthn_origin,
    )


def tenant_realm(tenant) -> str:
    """The challenge realm of a tenant's end users."""
    return f"tenant:{tenant.pk}"


def amr_for(credential: WebAuthnCredential) -> list[str]:
    """RFC 8176 amr for a UV passkey: hwk when device-bound, swk when it syncs (backup)."""
    return list(AMR_SYNCED if credential.backup_eligible else AMR_DEVICE_BOUND)


def rate_limit(limits, subject: str) -> None:
    """Apply a tier of limits to one subject (raises accounts.ratelimit.RateLimited)."""
    ratelimit.check([(limit, subject) for limit in limits])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _decoy_credentials(tenant, email: str) -> list[tuple[bytes, list]]:
    """Stable fake credential descriptors for an unknown email (same every time it is asked)."""
    seed = bytes.fromhex(keyed_digest(f"{tenant.pk}:{email}", "idp-decoy-credentials"))
    count = 1 + seed[0] % 2
    decoys = []
    for i in range(count):
        length = (16, 20, 32, 48)[seed[1 + i] % 4]
        raw = hmac.new(seed, f"credential-{i}".encode(), hashlib.sha512).digest()
        decoys.append((raw[:length], ["hybrid", "internal"]))
    return decoys


def _audit_failure(*, tenant, action: str, message: str, request, details=None) -> None:
    audit_log(
        action=action,
        tenant=tenant,
        details={"reason": message[:200], **(details or {})},
        request=request,
    )


# --- Authentication -------------------------------------------------------------------------


def signin_options(*, tenant, email: str = "") -> dict:
    """Request options: the user's passkeys for a known email, decoys for an unknown one,
    or an empty allow list for the discoverable (autofill) flow. The shape never differs."""
    rp = tenant_relying_party(tenant)
    user_id = None
    if email:
        # One query for the user's passkeys; no passkeys and no user look the same.
        rows = list(
            WebAuthnCredential.objects.filter(
                user__tenant=tenant, user__email=normalize_email(email), user__is_active=True
            ).values_list("user_id", "credential_id", "transports")
        )
        if rows:
            user_id = rows[0][0]
            allow = [(bytes(cid), transports) for _uid, cid, transports in rows]
        else:
            allow = _decoy_credentials(tenant, email)
        data = {"mode": "email", "allow": [_b64(cid) for cid, _ in allow]}
    else:
        allow, data = [], {"mode": "discoverable"}
    handle, challenge = challenge_issue(
        ceremony="authenticate", realm=tenant_realm(tenant), user_id=user_id, data=data
    )
    return {
        "handle": handle,
        "publicKey": authentication_options(rp=rp, allow=allow, challenge=challenge),
    }


@dataclass(frozen=True)
class SignedIn:
    """A verified passkey sign-in."""

    user: User
    credential: WebAuthnCredential
    amr: list[str]
    method: str


def signin_verify(*, tenant, handle, response, request=None) -> SignedIn:
    """Verify an assertion against its single-use challenge and our relying-party rules."""
    try:
        record = challenge_take(handle=handle, ceremony="authenticate", realm=tenant_realm(tenant))
    except ChallengeMissing as exc:
        raise SignInError("This sign-in attempt expired or was already used. Try again.") from exc
    credential = None
    data = record["data"]
    try:
        asserted = parse_assertion(load_response(response))
        if data.get("mode") == "email":
            if record["user_id"] is None:
                raise SignInError("This passkey is not registered here.")
            if _b64(asserted.credential_id) not in data.get("allow", []):
                raise SignInError("This passkey was not offered for this sign-in.")
        elif asserted.user_handle is None:
            raise SignInError("The passkey did not return a user handle.")
        credential = passkey_find(asserted=asserted, realm_tenant=tenant)
        if record["user_id"] is not None and credential.user_id != record["user_id"]:
            raise SignInError("This passkey belongs to another account.")
        result = verify_assertion(
            rp=tenant_relying_party(tenant),
            asserted=asserted,
            challenge=record["challenge"],
            public_key=bytes(credential.public_key),
        )
        owner = credential.user
        credential = passkey_use(credential=credential, result=result, request=request)
        credential.user = owner  # already loaded with the credential; saves a query
    except WebAuthnError as exc:
        _audit_failure(
            tenant=tenant,
            action="enduser.signin_failed",
            message=exc.message,
            request=request,
            details={"user": credential.user.subject} if credential is not None else None,
        )
        raise
    return SignedIn(
        user=credential.user, credential=credential, amr=amr_for(credential), method=data["mode"]
    )


def enduser_signin_complete(
    request, *, tenant, user: User, amr: list[str], method: str, passkey_id=None
) -> None:
    """Sign the end user in at this tenant (rotating the session key) and audit it."""
    enduser_sign_in(request, tenant=tenant, user=user, amr=amr, passkey_id=passkey_id)
    audit_log(
        action="enduser.signed_in",
        tenant=tenant,
        target=user,
        details={"user": user.subject, "passkey": passkey_id, "method": method, "amr": amr},
        request=request,
    )


# --- Registration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    """Why a passkey is being registered: a new account, recovery, or another passkey."""

    kind: str  # "signup" | "recovery" | "add"
    email: str
    names: dict
    user_id: int | None = None
    proven: bool = False
    link_id: int | None = None


def registration_begin(*, tenant, intent: Intent) -> dict:
    """Creation options bound to the intent; an existing user's passkeys are excluded."""
    rp = tenant_relying_party(tenant)
    user = None
    if intent.user_id is not None:
        user = (
            User.objects.for_tenant(tenant)
            .filter(pk=intent.user_id, is_active=True)
            .prefetch_related("credentials")
            .first()
        )
        if user is None:
            raise SignInError("This account is no longer available.")
    if user is not None:
        user_handle = bytes(user.webauthn_handle)
        exclude = credentials_for(user)
        display = user.name or user.email
        email = user.email
    else:
        user_handle = generate_webauthn_handle()
        exclude = []
        names = intent.names
        display = names.get("nickname") or " ".join(
            n for n in (names.get("given_name"), names.get("family_name")) if n
        )
        email = intent.email
    handle, challenge = challenge_issue(
        ceremony="register",
        realm=tenant_realm(tenant),
        user_id=user.pk if user is not None else None,
        data={
            "kind": intent.kind,
            "email": email,
            "names": intent.names,
            "proven": intent.proven,
            "link_id": intent.link_id,
            "user_handle": _b64(user_handle),
        },
    )
    options = registration_options(
        rp=rp,
        user_handle=user_handle,
        email=email,
        display_name=display,
        exclude=exclude,
        challenge=challenge,
    )
    return {"handle": handle, "publicKey": options}


@dataclass(frozen=True)
class Registration:
    """A verified registration and the account it belongs to."""

    user: User
    credential: WebAuthnCredential
    kind: str
    created: bool


def registration_finish(*, tenant, handle, response, intent: Intent, request=None) -> Registration:
    """Verify a registration made for exactly this intent and store the passkey."""
    try:
        record = challenge_take(handle=handle, ceremony="register", realm=tenant_realm(tenant))
    except ChallengeMissing as exc:
        raise SignInError("This passkey set-up expired or was already used. Try again.") from exc
    data = record["data"]
    try:
        if (
            data.get("kind") != intent.kind
            or record["user_id"] != intent.user_id
            or data.get("link_id") != intent.link_id
            or (intent.user_id is None and data.get("email") != intent.email)
        ):
            raise SignInError("This passkey set-up belongs to another request. Start again.")
        registered = verify_registration(
            rp=tenant_relying_party(tenant),
            response=load_response(response),
            challenge=record["challenge"],
        )
        with transaction.atomic():
            user, created = _registration_user(
                tenant=tenant, record=record, intent=intent, request=request
            )
            existing = user.credentials.count() if not created else 0
            make = authenticator_make(registered.aaguid)
            name = make or "Passkey"
            if existing:
                name = f"{name} {existing + 1}"
            credential = passkey_register(
                user=user, registered=registered, name=name, request=request
            )
            if intent.kind == "recovery":
                _revoke_everything(user=user, tenant=tenant, request=request)
            elif intent.kind == "signup":
                audit_log(
                    action="enduser.registered",
                    tenant=tenant,
                    target=user,
                    details={"user": user.subject, "email_verified": user.email_verified},
                    request=request,
                )
    except WebAuthnError as exc:
        _audit_failure(
            tenant=tenant,
            action="enduser.registration_failed",
            message=exc.message,
            request=request,
            details={"kind": intent.kind},
        )
        raise
    return Registration(user=user, credential=credential, kind=intent.kind, created=created)


def _registration_user(*, tenant, record, intent: Intent, request=None) -> tuple[User, bool]:
    if intent.user_id is not None:
        user = (
            User.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk=intent.user_id, is_active=True)
            .first()
        )
        if user is None:
            raise SignInError("This account is no longer available.")
        if intent.kind == "recovery" and user.email_verified_at is None:
            # The recovery code or link proved the address for the first time.
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            _evict_unproven_passkeys(user=user, tenant=tenant, proof="recovery", request=request)
        return user, False
    data = record["data"]
    names = data.get("names") or {}
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                data["email"],
                tenant=tenant,
                given_name=(names.get("given_name") or "")[:150],
                family_name=(names.get("family_name") or "")[:150],
                nickname=(names.get("nickname") or "")[:150],
                webauthn_handle=_unb64(data["user_handle"]),
                email_verified_at=timezone.now() if data.get("proven") else None,
            )
    except IntegrityError as exc:
        raise SignInError(
            "An account with this email already exists. Sign in with its passkey, or use "
            "“Lost your passkey?” to get a recovery email.",
            status=409,
            code="account_exists",
        ) from exc
    return user, True


def _revoke_sessions_and_tokens(*, user: User) -> tuple[int, int]:
    """End every session and revoke every refresh and access token; (refresh, access) counts."""
    user.sessions_valid_after = timezone.now()
    user.save(update_fields=["sessions_valid_after"])
    refresh_tokens = list(get_refresh_token_model().objects.filter(user=user, revoked__isnull=True))
    for token in refresh_tokens:
        token.revoke()
    access_tokens = get_access_token_model().objects.filter(user=user)
    revoked_access = access_tokens.count()
    for token in access_tokens:
        token.revoke()
    return len(refresh_tokens), revoked_access


def _revoke_everything(*, user: User, tenant, request=None) -> None:
    """Recovery: end every session and revoke every refresh and access token of the user."""
    refresh_revoked, access_revoked = _revoke_sessions_and_tokens(user=user)
    audit_log(
        action="enduser.recovered",
        tenant=tenant,
        target=user,
        details={
            "user": user.subject,
            "refresh_tokens_revoked": refresh_revoked,
            "access_tokens_revoked": access_revoked,
        },
        request=request,
    )


def _evict_unproven_passkeys(
    *, user: User, tenant, proof: str, keep_passkey_ids=(), request=None
) -> tuple[int, int]:
    """The address was just proven for the first time. Passkeys registered before that were
    registered by someone who had not proven it (account pre-hijacking: a squatter may have
    registered the victim's address), so they go, with every session and token. A passkey in
    `keep_passkey_ids` stays: the same browser signed in with it and proved the address.
    Returns (passkeys removed, passkeys left)."""
    owned = list(WebAuthnCredential.objects.select_for_update().filter(user=user).order_by("pk"))
    keep = {pk for pk in keep_passkey_ids if isinstance(pk, int)}
    doomed = [c for c in owned if c.pk not in keep]
    if not doomed:
        return 0, len(owned)
    WebAuthnCredential.objects.filter(pk__in=[c.pk for c in doomed]).delete()
    refresh_revoked, access_revoked = _revoke_sessions_and_tokens(user=user)
    audit_log(
        action="enduser.unproven_passkeys_removed",
        tenant=tenant,
        target=user,
        details={
            "user": user.subject,
            "proof": proof,
            "passkeys_removed": [{"id": c.pk, "name": c.name, "aaguid": c.aaguid} for c in doomed],
            "passkeys_kept": sorted(c.pk for c in owned if c.pk in keep),
            "refresh_tokens_revoked": refresh_revoked,
            "access_tokens_revoked": access_revoked,
        },
        request=request,
    )
    return len(doomed), len(owned) - len(doomed)


# --- Email proof: one-time codes and links ---------------------------------------------------


@dataclass(frozen=True)
class Proof:
    """A proven email address (by code or link), kept in the session until used."""

    purpose: str
    email: str
    user_id: int | None
    link_id: int
    names: dict
    next: str
    # Passkeys removed because this proof was the address's first (see _evict_unproven_passkeys)
    # and whether the account is left without one.
    passkeys_removed: int = 0
    needs_passkey: bool = False

    def as_session(self) -> dict:
        """JSON-safe form for the session, with the time it was proven."""
        return {**self.__dict__, "at": int(timezone.now().timestamp())}


def proof_from_session(record) -> Proof | None:
    """A proof still young enough to use, from its session form."""
    if not isinstance(record, dict):
        return None
    if int(timezone.now().timestamp()) - int(record.get("at", 0)) > PROOF_TTL_SECONDS:
        return None
    return Proof(
        purpose=record["purpose"],
        email=record["email"],
        user_id=record.get("user_id"),
        link_id=record["link_id"],
        names=record.get("names") or {},
        next=record.get("next") or "",
    )


def _code_digest(code: str, salt: str) -> str:
    return keyed_digest(f"{salt}:{code}", "idp-email-code")


def _issue(*, tenant, purpose: str, email: str, user, names: dict, next_url: str, ttl: int):
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_urlsafe(12)
    token = email_link_issue(
        purpose=purpose,
        email=email,
        tenant=tenant,
        user=user,
        ttl=ttl,
        payload={
            "names": names,
            "next": next_url,
            "code_salt": salt,
            "code_digest": _code_digest(code, salt),
            "attempts": 0,
        },
    )
    link = EmailLink.objects.get(digest=keyed_digest(token, "email-link"))
    kind = {"signup": "signup", "recovery": "recovery", "verify": "verify"}[purpose]
    url = settings.PUBLIC_URL + reverse(
        "idp:signin-email-link", kwargs={"tenant_slug": tenant.slug, "kind": kind, "token": token}
    )
    return link, code, url


def email_proof_send(
    *,
    tenant,
    email: str,
    purpose: str,
    names: dict | None = None,
    next_url: str = "",
    request=None,
) -> int | None:
    """Email a one-time code and link proving the address; the answer never says whether an
    account exists. Returns the link id to remember in the session (None if nothing was sent)."""
    rate_limit(LIMITS_MAIL_IP, client_ip(request) or "")
    rate_limit(LIMITS_MAIL_EMAIL, f"{tenant.pk}:{email}")
    user = User.objects.for_tenant(tenant).by_email(email).filter(is_active=True).first()
    context = {"tenant": tenant, "email": email}
    if purpose == "verify":
        if user is None or user.email_verified:
            return None
        link, code, url = _issue(
            tenant=tenant,
            purpose=EmailLink.Purpose.VERIFY,
            email=email,
            user=user,
            names={},
            next_url=next_url,
            ttl=CODE_TTL_SECONDS,
        )
        template = "idp_verify"
    elif user is not None:
        # A sign-up for a taken address, or a recovery request: the owner gets a recovery
        # email either way, and the page says the same thing as for a new address.
        link, code, url = _issue(
            tenant=tenant,
            purpose=EmailLink.Purpose.RECOVERY,
            email=email,
            user=user,
            names={},
            next_url=next_url,
            ttl=RECOVERY_TTL_SECONDS,
        )
        template = "idp_recovery" if purpose == "recovery" else "idp_signup_existing"
    elif purpose == "signup":
        link, code, url = _issue(
            tenant=tenant,
            purpose=EmailLink.Purpose.SIGNUP,
            email=email,
            user=None,
            names=names or {},
            next_url=next_url,
            ttl=CODE_TTL_SECONDS,
        )
        template = "idp_signup"
    else:
        audit_log(
            action="enduser.recovery_requested",
            tenant=tenant,
            details={"known": False},
            request=request,
        )
        return None
    mail_send(
        template=template,
        to=email,
        context={**context, "code": code, "url": url, "minutes": _minutes(link)},
    )
    audit_log(
        action={
            "signup": "enduser.signup_email_sent",
            "verify": "enduser.verify_email_sent",
        }.get(purpose, "enduser.recovery_requested"),
        tenant=tenant,
        target=user,
        details={"link_purpose": link.purpose, "known": user is not None},
        request=request,
    )
    return link.pk


def _minutes(link) -> int:
    return max(1, round((link.expires_at - timezone.now()).total_seconds() / 60))


def _proof_of(link: EmailLink) -> Proof:
    return Proof(
        purpose=link.purpose,
        email=link.email,
        user_id=link.user_id,
        link_id=link.pk,
        names=link.payload.get("names") or {},
        next=link.payload.get("next") or "",
    )


def email_code_check(*, tenant, link_id, code: str, keep_passkey_ids=(), request=None) -> Proof:
    """Use up the link whose code was typed; five wrong codes burn it. `keep_passkey_ids`: the
    passkeys this browser signed in with (kept if this proof is the address's first)."""
    rate_limit(LIMITS_CODE_IP, client_ip(request) or "")
    wrong = SignInError("That code is not right. Check the email and try again.")
    if not isinstance(link_id, int):
        raise wrong
    with transaction.atomic():
        link = EmailLink.objects.select_for_update().filter(pk=link_id, tenant=tenant).first()
        if link is None:
            raise wrong
        if link.used_at is not None:
            raise SignInError("This code was already used, or too many wrong codes were tried.")
        if link.expires_at <= timezone.now():
            raise SignInError("This code has expired. Ask for a new one.")
        payload = dict(link.payload)
        expected = payload.get("code_digest", "")
        if not hmac.compare_digest(expected, _code_digest(code, payload.get("code_salt", ""))):
            payload["attempts"] = int(payload.get("attempts", 0)) + 1
            link.payload = payload
            fields = ["payload"]
            if payload["attempts"] >= CODE_MAX_ATTEMPTS:
                link.used_at = timezone.now()
                fields.append("used_at")
            link.save(update_fields=fields)
            failed = True
        else:
            link.used_at = timezone.now()
            link.save(update_fields=["used_at"])
            failed = False
    if failed:
        _audit_failure(
            tenant=tenant,
            action="enduser.email_code_failed",
            message=wrong.message,
            request=request,
        )
        raise wrong
    return _apply_proof(
        link=link, tenant=tenant, keep_passkey_ids=keep_passkey_ids, request=request
    )


def email_link_open(*, tenant, kind: str, token: str, keep_passkey_ids=(), request=None) -> Proof:
    """Use up an emailed link (after the person pressed the button on its page)."""
    from accounts.email_links import LinkInvalid, email_link_consume

    purpose = {"signup": "signup", "recovery": "recovery", "verify": "verify"}.get(kind)
    if purpose is None:
        raise SignInError("This link is not valid.")
    try:
        link = email_link_consume(token=token, purpose=purpose, tenant=tenant)
    except LinkInvalid as exc:
        raise SignInError(exc.reason) from exc
    return _apply_proof(
        link=link, tenant=tenant, keep_passkey_ids=keep_passkey_ids, request=request
    )


def _apply_proof(*, link: EmailLink, tenant, keep_passkey_ids=(), request) -> Proof:
    proof = _proof_of(link)
    if link.purpose == EmailLink.Purpose.VERIFY and link.user_id is not None:
        with transaction.atomic():
            user = (
                User.objects.for_tenant(tenant)
                .select_for_update()
                .filter(pk=link.user_id, email_verified_at__isnull=True)
                .first()
            )
            if user is not None:
                user.email_verified_at = timezone.now()
                user.save(update_fields=["email_verified_at"])
                removed, left = _evict_unproven_passkeys(
                    user=user,
                    tenant=tenant,
                    proof="verify",
                    keep_passkey_ids=keep_passkey_ids,
                    request=request,
                )
                proof = replace(proof, passkeys_removed=removed, needs_passkey=left == 0)
    audit_log(
        action="enduser.email_proven",
        tenant=tenant,
        details={"purpose": link.purpose, "link": link.pk},
        request=request,
    )
    return proof


# --- Account: passkeys ------------------------------------------------------------------------


def enduser_passkey_rename(*, tenant, user: User, passkey_id: int, name: str, request=None):
    """Rename one of the user's own passkeys."""
    credential = WebAuthnCredential.objects.filter(
        pk=passkey_id, user=user, user__tenant=tenant
    ).first()
    if credential is None:
        raise SignInError("No such passkey.", status=404)
    before = credential.name
    credential.name = name[:100]
    credential.save(update_fields=["name"])
    audit_log(
        action="enduser.passkey_renamed",
        tenant=tenant,
        target=credential,
        details={"user": user.subject, "before": before, "after": credential.name},
        request=request,
    )
    return credential


@transaction.atomic
def enduser_passkey_remove(*, tenant, user: User, passkey_id: int, request=None) -> None:
    """Remove one of the user's passkeys, never the last one."""
    owned = list(
        WebAuthnCredential.objects.select_for_update()
        .filter(user=user, user__tenant=tenant)
        .order_by("pk")
    )
    credential = next((c for c in owned if c.pk == passkey_id), None)
    if credential is None:
        raise SignInError("No such passkey.", status=404)
    if len(owned) <= 1:
        raise SignInError("You cannot remove your only passkey; add another one first.")
    audit_log(
        action="enduser.passkey_removed",
        tenant=tenant,
        target=credential,
        details={"user": user.subject, "name": credential.name, "aaguid": credential.aaguid},
        request=request,
    )
    credential.delete()
