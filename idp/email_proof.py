"""Proving an email address at a tenant: one-time codes and links, sent and used up."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from django.db import connections, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.email_links import (
    LinkInvalid,
    email_link_build,
    email_link_claim,
    email_link_consume,
    email_link_find,
)
from accounts.mail import mail_send
from accounts.models import EmailLink, User, normalize_email
from accounts.statements import instance, select_where
from idp.errors import SignInError
from idp.limits import (
    LIMITS_CODE_IP,
    LIMITS_MAIL_EMAIL,
    LIMITS_MAIL_IP,
    rate_limit,
    rate_limits,
)
from idp.revocation import evict_unproven_passkeys
from tenants.audit import audit_event, audit_log, client_ip
from tenants.oidc.crypto import keyed_digest
from tenants.oidc.endpoints import site_url
from tenants.rows import insert, insert_all

CODE_DIGITS = 6
CODE_MAX_ATTEMPTS = 5
CODE_TTL_SECONDS = 600
RECOVERY_TTL_SECONDS = 900


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
        """JSON-safe form for the session (SignInState.set_proof stamps the time)."""
        return dict(self.__dict__)


def proof_from_session(record) -> Proof | None:
    """A proof from its session form (SignInState.proof() keeps only young ones)."""
    if not isinstance(record, dict):
        return None
    return Proof(
        purpose=record["purpose"],
        email=record["email"],
        user_id=record.get("user_id"),
        link_id=record["link_id"],
        names=record.get("names") or {},
        next=record.get("next") or "",
    )


def _active_user_by_email(tenant, email: str) -> User | None:
    """The tenant's active user with this address (one statement, no ORM query building)."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, cols = select_where(User, alias, ("tenant", "email", "is_active"), order_by="id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant.pk, normalize_email(email), True])
        row = cursor.fetchone()
    return None if row is None else instance(alias, connection, row, cols)


def _code_digest(code: str, salt: str) -> str:
    return keyed_digest(f"{salt}:{code}", "idp-email-code")


def _issue(*, tenant, purpose: str, email: str, user, names: dict, next_url: str, ttl: int):
    """The link (not saved yet), its code and its URL."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_urlsafe(12)
    link, token = email_link_build(
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
    kind = {"signup": "signup", "recovery": "recovery", "verify": "verify"}[purpose]
    url = site_url(
        tenant,
        reverse(
            "idp:signin-email-link",
            kwargs={"tenant_slug": tenant.slug, "kind": kind, "token": token},
        ),
    )
    return link, code, url


def _nothing() -> None:
    return None


_LOOK_UP = object()


def email_proof_send(
    *,
    tenant,
    email: str,
    purpose: str,
    names: dict | None = None,
    next_url: str = "",
    request=None,
    user=_LOOK_UP,
) -> int | None:
    """Email a one-time code and link proving the address; the answer never says whether an
    account exists. Returns the link id to remember in the session (None if nothing was sent)."""
    link_id, send = email_proof_issue(
        tenant=tenant,
        email=email,
        purpose=purpose,
        names=names,
        next_url=next_url,
        request=request,
        user=user,
    )
    send()
    return link_id


def email_proof_issue(
    *,
    tenant,
    email: str,
    purpose: str,
    names: dict | None = None,
    next_url: str = "",
    request=None,
    user=_LOOK_UP,
) -> tuple[int | None, Callable[[], None]]:
    """email_proof_send() without the sending: (link id, the call that sends the email), so a
    caller inside a transaction sends it once the transaction is committed. `user`: the
    tenant's active user with this address (or None), when the caller has just read it."""
    rate_limits(
        (LIMITS_MAIL_IP, client_ip(request) or ""), (LIMITS_MAIL_EMAIL, f"{tenant.pk}:{email}")
    )
    if user is _LOOK_UP:
        user = _active_user_by_email(tenant, email)
    context = {"tenant": tenant, "email": email}
    if purpose == "verify":
        if user is None or user.email_verified:
            return None, _nothing
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
        return None, _nothing
    event = audit_event(
        action={
            "signup": "enduser.signup_email_sent",
            "verify": "enduser.verify_email_sent",
        }.get(purpose, "enduser.recovery_requested"),
        tenant=tenant,
        target=user,
        details={"link_purpose": link.purpose, "known": user is not None},
        request=request,
    )
    insert_all(link, event)  # the link and its audit row in one statement
    context = {**context, "code": code, "url": url, "minutes": _minutes(link)}
    return link.pk, partial(mail_send, template=template, to=email, context=context)


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
    wrong = SignInError(_("That code is not right. Check the email and try again."))
    if not isinstance(link_id, int):
        raise wrong
    link = email_link_find(tenant=tenant, link_id=link_id)
    _check_usable(link, wrong)
    payload = link.payload
    expected = payload.get("code_digest", "")
    if not hmac.compare_digest(expected, _code_digest(code, payload.get("code_salt", ""))):
        _count_wrong_code(tenant=tenant, link_id=link_id, wrong=wrong)
        audit_log(
            action="enduser.email_code_failed",
            tenant=tenant,
            details={"reason": wrong.message},
            request=request,
        )
        raise wrong
    # The right code: one conditional UPDATE spends it (no lock, no transaction); of two
    # requests with the same code, or a code and the fifth wrong one, only one gets the row.
    # A proof with nothing more to change has its audit row written by that same statement.
    proven = [] if _changes_user(link) else [_proven_event(link, tenant, request)]
    if not email_link_claim(link, tenant=tenant, rows=proven):
        _check_usable(email_link_find(tenant=tenant, link_id=link_id), wrong)
        raise SignInError(_("This code was already used, or too many wrong codes were tried."))
    return _apply_proof(
        link=link,
        tenant=tenant,
        keep_passkey_ids=keep_passkey_ids,
        request=request,
        audited=bool(proven),
    )


def _check_usable(link, wrong: SignInError) -> None:
    if link is None:
        raise wrong
    if link.used_at is not None:
        raise SignInError(_("This code was already used, or too many wrong codes were tried."))
    if link.expires_at <= timezone.now():
        raise SignInError(_("This code has expired. Ask for a new one."))


def _count_wrong_code(*, tenant, link_id: int, wrong: SignInError) -> None:
    """Count a wrong code under the row lock; the fifth burns the link."""
    with transaction.atomic():
        link = EmailLink.objects.for_tenant(tenant).select_for_update().filter(pk=link_id).first()
        _check_usable(link, wrong)
        payload = dict(link.payload)
        payload["attempts"] = int(payload.get("attempts", 0)) + 1
        link.payload = payload
        fields = ["payload"]
        if payload["attempts"] >= CODE_MAX_ATTEMPTS:
            link.used_at = timezone.now()
            fields.append("used_at")
        link.save(update_fields=fields)


def email_link_open(*, tenant, kind: str, token: str, keep_passkey_ids=(), request=None) -> Proof:
    """Use up an emailed link (after the person pressed the button on its page)."""
    purpose = {"signup": "signup", "recovery": "recovery", "verify": "verify"}.get(kind)
    if purpose is None:
        raise SignInError(_("This link is not valid."))
    try:
        link = email_link_consume(token=token, purpose=purpose, tenant=tenant)
    except LinkInvalid as exc:
        raise SignInError(exc.reason) from exc
    return _apply_proof(
        link=link, tenant=tenant, keep_passkey_ids=keep_passkey_ids, request=request
    )


def _changes_user(link: EmailLink) -> bool:
    """Whether proving this link changes its user (a first proof of the address)."""
    return link.purpose == EmailLink.Purpose.VERIFY and link.user_id is not None


def _proven_event(link: EmailLink, tenant, request):
    return audit_event(
        action="enduser.email_proven",
        tenant=tenant,
        details={"purpose": link.purpose, "link": link.pk},
        request=request,
    )


def _apply_proof(
    *, link: EmailLink, tenant, keep_passkey_ids=(), request, audited=False
) -> Proof:
    proof = _proof_of(link)
    if _changes_user(link):
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
                removed, left = evict_unproven_passkeys(
                    user=user,
                    tenant=tenant,
                    proof="verify",
                    keep_passkey_ids=keep_passkey_ids,
                    request=request,
                )
                proof = replace(proof, passkeys_removed=removed, needs_passkey=left == 0)
    if not audited:
        insert(_proven_event(link, tenant, request))
    return proof
