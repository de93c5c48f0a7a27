"""The end user's account page at a tenant: passkeys (add, rename, remove) and email status."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from accounts.aaguids import authenticator_make
from accounts.passkeys import manage
from accounts.passkeys.errors import PasskeyError
from accounts.passkeys.realm import tenant_realm
from accounts.ratelimit import RateLimited
from idp import email_proof, registration
from idp.forms_signin import PasskeyNameForm
from idp.limits import LIMITS_OPTIONS, LIMITS_VERIFY, rate_limit
from idp.session import SignInState
from idp.views_signin_common import (
    account_url,
    idp_headers,
    json_body,
    json_error,
    json_errors,
    redirect_to,
    sign_in_url,
)

REAUTH_MESSAGE = "To change your passkeys, confirm it is you: sign in again."


def _to_sign_in(request, tenant):
    return redirect_to(
        request, sign_in_url(tenant) + "?" + urlencode({"next": account_url(tenant)})
    )


def _reauth_url(tenant, current) -> str:
    query = {"next": account_url(tenant), "login_hint": current.user.email, "reauth": "1"}
    return sign_in_url(tenant) + "?" + urlencode(query)


def _reauth_required(request, tenant, current):
    """403 JSON naming the sign-in page to go through again (a redirect for a plain form)."""
    url = _reauth_url(tenant, current)
    if (
        request.content_type == "application/json"
        or request.headers.get("X-Requested-With") == "fetch"
    ):
        return json_error(REAUTH_MESSAGE, 403, reauth=True, redirect=url)
    return HttpResponseRedirect(url)


def _fresh_sign_in(request, tenant, *, when_signed_out):
    """(sign-in, None) if the user signed in recently, else (None, the response asking for it)."""
    current = SignInState(request, tenant).current()
    if current is None:
        return None, when_signed_out()
    if not current.is_recent():
        return None, _reauth_required(request, tenant, current)
    return current, None


def _session_ended():
    return json_error("Your session has ended. Sign in again.", 401)


def _add_intent(current):
    return registration.Intent(
        kind="add", email=current.user.email, names={}, user_id=current.user.pk
    )


@idp_headers
@require_safe
@ensure_csrf_cookie
def account(request, tenant_slug):
    """The signed-in user's passkeys and email status."""
    tenant = request.tenant
    current = SignInState(request, tenant).current()
    if current is None:
        return _to_sign_in(request, tenant)
    credentials = manage.passkeys_of(realm=tenant_realm(tenant), user=current.user)
    rows = [
        {
            "credential": c,
            "make": authenticator_make(c.aaguid),
            "form": PasskeyNameForm(initial={"name": c.name}, prefix=f"p{c.pk}"),
        }
        for c in credentials
    ]
    context = {
        "tenant": tenant,
        "user": current.user,
        "rows": rows,
        "can_remove": len(credentials) > 1,
    }
    return render(request, "idp/account.html", context)


@idp_headers
@require_POST
@json_errors
def passkey_add_options(request, tenant_slug):
    """Creation options for another passkey of the signed-in user."""
    tenant = request.tenant
    current, refusal = _fresh_sign_in(request, tenant, when_signed_out=_session_ended)
    if refusal:
        return refusal
    json_body(request)
    rate_limit(LIMITS_OPTIONS, request.META.get("REMOTE_ADDR") or "")
    return JsonResponse(registration.registration_begin(tenant=tenant, intent=_add_intent(current)))


@idp_headers
@require_POST
@json_errors
def passkey_add_verify(request, tenant_slug):
    """Store another passkey for the signed-in user."""
    tenant = request.tenant
    current, refusal = _fresh_sign_in(request, tenant, when_signed_out=_session_ended)
    if refusal:
        return refusal
    body = json_body(request)
    rate_limit(LIMITS_VERIFY, request.META.get("REMOTE_ADDR") or "")
    done = registration.registration_finish(
        tenant=tenant,
        handle=body.get("handle"),
        response=body.get("credential"),
        intent=_add_intent(current),
        request=request,
    )
    return JsonResponse(
        {"status": "added", "passkey": done.credential.name, "redirect": account_url(tenant)}
    )


@idp_headers
@require_POST
def passkey_rename(request, tenant_slug, passkey_id):
    """Rename one of the user's passkeys."""
    tenant = request.tenant
    current = SignInState(request, tenant).current()
    if current is None:
        return _to_sign_in(request, tenant)
    form = PasskeyNameForm(request.POST, prefix=f"p{passkey_id}")
    if not form.is_valid():
        messages.error(request, "Enter a name of at most 100 characters.")
        return redirect_to(request, account_url(tenant))
    try:
        manage.passkey_rename(
            realm=tenant_realm(tenant),
            user=current.user,
            passkey_id=passkey_id,
            name=form.cleaned_data["name"],
            request=request,
        )
    except PasskeyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Passkey renamed.")
    return redirect_to(request, account_url(tenant))


@idp_headers
@require_POST
def passkey_remove(request, tenant_slug, passkey_id):
    """Remove one of the user's passkeys (never the last)."""
    tenant = request.tenant
    current, refusal = _fresh_sign_in(
        request, tenant, when_signed_out=lambda: _to_sign_in(request, tenant)
    )
    if refusal:
        return refusal
    try:
        manage.passkey_remove(
            realm=tenant_realm(tenant), user=current.user, passkey_id=passkey_id, request=request
        )
    except PasskeyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Passkey removed.")
    return redirect_to(request, account_url(tenant))


@idp_headers
@require_POST
def verify_email_send(request, tenant_slug):
    """Email a link proving the address of the signed-in user."""
    tenant = request.tenant
    state = SignInState(request, tenant)
    current = state.current()
    if current is None:
        return _to_sign_in(request, tenant)
    try:
        link_id = email_proof.email_proof_send(
            tenant=tenant, email=current.user.email, purpose="verify", request=request
        )
    except RateLimited as exc:
        messages.error(request, f"Too many emails. Wait {exc.retry_after} seconds.")
    else:
        state.set_pending_link(link_id)
        messages.success(request, f"We sent a confirmation link to {current.user.email}.")
    return redirect_to(request, account_url(tenant))
