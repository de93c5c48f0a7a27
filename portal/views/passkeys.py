"""Portal passkeys: sign-in ceremony, fresh checks, registration, list, rename, remove."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import WebAuthnCredential
from accounts.next_url import local_next
from accounts.passkeys import ceremonies
from accounts.passkeys.errors import PasskeyError, WebAuthnError
from accounts.passkeys.manage import passkey_remove, passkey_rename, passkeys_of
from accounts.passkeys.realm import portal_realm
from accounts.ratelimit import RateLimited, check
from accounts.services import portal_sign_in_passkey_complete
from portal.forms import PasskeyRenameForm
from portal.views.common import (
    CEREMONY_EMAIL,
    CEREMONY_IP,
    ip_of,
    is_fresh,
    json_error,
    json_login_required,
    mark_fresh,
    portal_login_required,
    sign_in,
    too_many,
)


def _envelope(request) -> tuple[str, dict, dict]:
    """Parse {"handle": ..., "credential": {...}, ...} from a JSON body."""
    body = ceremonies.load_response(request.body)
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise WebAuthnError("The passkey response is missing.")
    handle = body.get("handle")
    if not isinstance(handle, str):
        raise WebAuthnError("The ceremony handle is missing.")
    return handle, ceremonies.load_response(credential), body


def _ceremony(request, step):
    """Run `step()` as (result, None); a refusal comes back as (None, JSON error response)."""
    try:
        return step(), None
    except RateLimited as exc:
        return None, too_many(request, exc, as_json=True)
    except WebAuthnError as exc:
        return None, json_error(exc.message)


def _finish(request, *, ceremony: str, user=None) -> WebAuthnCredential:
    """Verify and record a passkey assertion; with `user`, check and passkey must be theirs."""
    handle, response, _ = _envelope(request)

    def screen(credential):
        if user is None:
            check([(CEREMONY_EMAIL, credential.user.email)])

    done = ceremonies.authentication_finish(
        realm=portal_realm(),
        handle=handle,
        response=response,
        ceremony=ceremony,
        user=user,
        screen=screen,
        request=request,
    )
    return done.credential


def _limit(request, user=None) -> None:
    """Apply the ceremony rate limits: per IP, and per email for a signed-in user."""
    limits = [(CEREMONY_IP, ip_of(request))]
    if user is not None:
        limits.append((CEREMONY_EMAIL, user.email))
    check(limits)


def _safe_next(request, fallback: str) -> str:
    return local_next(request.GET.get("next"), prefix="/") or fallback


# --- sign-in with a passkey -------------------------------------------------------------------


@require_POST
def auth_options(request):
    """Options for a discoverable-credential sign-in (also used for autofill)."""
    try:
        _limit(request)
    except RateLimited as exc:
        return too_many(request, exc, as_json=True)
    return JsonResponse(ceremonies.authentication_begin(realm=portal_realm()))


@require_POST
def auth_verify(request):
    """Verify a sign-in assertion and start a new portal session."""

    def step():
        _limit(request)
        return _finish(request, ceremony="authenticate")

    credential, error = _ceremony(request, step)
    if error:
        return error
    sign_in(request, credential.user, method="passkey")
    portal_sign_in_passkey_complete(credential=credential, request=request)
    return JsonResponse({"redirect": _safe_next(request, reverse("portal:home"))})


# --- fresh passkey check (before adding or removing passkeys) ---------------------------------


@json_login_required
@require_POST
def reauth_options(request):
    """Options for re-checking one of the signed-in user's own passkeys."""
    user = request.user
    try:
        _limit(request, user)
    except RateLimited as exc:
        return too_many(request, exc, as_json=True)
    allow = ceremonies.credentials_for(user)
    if not allow:
        return json_error("You have no passkey yet; sign in with an emailed link to add one.")
    options = ceremonies.authentication_begin(
        realm=portal_realm(), ceremony="reauth", user_id=user.pk, allow=allow, bind_allow=False
    )
    return JsonResponse(options)


@json_login_required
@require_POST
def reauth_verify(request):
    """Verify the re-check; the session then counts as fresh for a few minutes."""
    user = request.user

    def step():
        _limit(request, user)
        return _finish(request, ceremony="reauth", user=user)

    _, error = _ceremony(request, step)
    if error:
        return error
    mark_fresh(request, method="passkey")
    return JsonResponse({"ok": True})


# --- registration -----------------------------------------------------------------------------


def _may_add(request) -> bool:
    # A link sign-in proves the mailbox and is the lost-passkey recovery path, so it counts.
    return is_fresh(request, allow_link=True)


@json_login_required
@require_POST
def register_options(request):
    """Options to create a new passkey for the signed-in user (UV required)."""
    user = request.user
    if not _may_add(request):
        return json_error("Confirm with one of your passkeys first.", status=403, reauth=True)
    try:
        _limit(request, user)
    except RateLimited as exc:
        return too_many(request, exc, as_json=True)
    return JsonResponse(ceremonies.registration_begin(realm=portal_realm(), user=user))


@json_login_required
@require_POST
def register_verify(request):
    """Verify and store the new passkey."""
    user = request.user
    if not _may_add(request):
        return json_error("Confirm with one of your passkeys first.", status=403, reauth=True)

    def step():
        _limit(request, user)
        handle, response, body = _envelope(request)
        name = body.get("name") if isinstance(body.get("name"), str) else ""
        done = ceremonies.registration_finish(
            realm=portal_realm(),
            handle=handle,
            response=response,
            user=user,
            name=name.strip()[:100],
            request=request,
        )
        return done.credential

    credential, error = _ceremony(request, step)
    if error:
        return error
    messages.success(request, f"Passkey “{credential.name}” added.")
    return JsonResponse({"redirect": reverse("portal:home"), "id": credential.pk})


# --- list, rename, remove ---------------------------------------------------------------------


@portal_login_required
@require_GET
def passkeys(request):
    """The user's passkeys with created and last-used times."""
    credentials = passkeys_of(realm=portal_realm(), user=request.user)
    context = {
        "credentials": credentials,
        "may_add": _may_add(request),
        "may_remove": is_fresh(request, allow_link=False),
        "only_one": len(credentials) <= 1,
    }
    return render(request, "portal/passkeys.html", context)


@portal_login_required
@require_POST
def passkey_rename_view(request, pk):
    """Rename one of the user's passkeys."""
    form = PasskeyRenameForm(request.POST)
    if not form.is_valid():
        if not request.user.credentials.filter(pk=pk).exists():
            raise Http404("No such passkey.")
        messages.error(request, "A passkey name is required (at most 100 characters).")
        return redirect("portal:passkeys")
    try:
        passkey_rename(
            realm=portal_realm(),
            user=request.user,
            passkey_id=pk,
            name=form.cleaned_data["name"],
            request=request,
        )
    except PasskeyError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("portal:passkeys")
    messages.success(request, "Passkey renamed.")
    return redirect("portal:passkeys")


@portal_login_required
@require_POST
def passkey_remove_view(request, pk):
    """Remove a passkey after a fresh passkey check; never the last one."""
    if not request.user.credentials.filter(pk=pk).exists():
        raise Http404("No such passkey.")
    if not is_fresh(request, allow_link=False):
        return render(
            request,
            "error.html",
            {
                "title": "Confirm it is you",
                "message": "Confirm with one of your passkeys before removing a passkey.",
            },
            status=403,
        )
    try:
        passkey_remove(realm=portal_realm(), user=request.user, passkey_id=pk, request=request)
    except PasskeyError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return render(
            request, "error.html", {"title": "Cannot remove", "message": exc.message}, status=400
        )
    messages.success(request, "Passkey removed.")
    return redirect("portal:passkeys")
