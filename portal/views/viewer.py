"""The built-in token viewer ("Test sign-in"): start a real sign-in, show what came back."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from portal import token_viewer as rp
from portal.services import viewer_secret_ensure
from portal.views.common import writable_tenant
from tenants.oidc.selectors import client_get_primary, redirect_urls_of
from tenants.oidc.services import redirect_url_add

SESSION_KEY = "token_viewer"
ATTEMPT_SECONDS = 900
MAX_ATTEMPTS = 5


def _store(request) -> dict:
    store = request.session.get(SESSION_KEY)
    if not isinstance(store, dict):
        store = {}
    store.setdefault("attempts", {})
    store.setdefault("results", {})
    return store


def _save(request, store: dict) -> None:
    request.session[SESSION_KEY] = store
    request.session.modified = True


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def test_sign_in(request, slug):
    """GET: the last result and a start button. POST: send the browser to sign in."""
    access = writable_tenant(request, slug)
    tenant = access.tenant
    if request.method == "POST":
        return _start(request, tenant)
    result = _store(request)["results"].get(tenant.slug)
    client = client_get_primary(tenant=tenant)
    context = {
        "tenant": tenant,
        "result": result,
        "client": client,
        "redirect_url": rp.viewer_redirect_url(tenant),
    }
    return render(request, "portal/token_viewer.html", context)


def _start(request, tenant):
    back = redirect("portal:tenant-test-sign-in", slug=tenant.slug)
    if not tenant.oidc_enabled:
        messages.error(request, "Turn on Enable OIDC in Settings first.")
        return back
    client = client_get_primary(tenant=tenant)
    if client is None:
        messages.error(request, "Save the OIDC settings first.")
        return back
    viewer_url = rp.viewer_redirect_url(tenant)
    try:
        if not redirect_urls_of(tenant=tenant, client=client).filter(url=viewer_url).exists():
            redirect_url_add(
                tenant=tenant, actor=request.user, url=viewer_url, client=client, request=request
            )
            messages.info(request, f"The token viewer's Redirect URL was registered: {viewer_url}")
        if client.response_type == "code":
            viewer_secret_ensure(tenant=tenant, actor=request.user, client=client, request=request)
        metadata = rp.fetch_metadata(tenant)
        attempt = rp.attempt_start(
            tenant=tenant,
            client_id=client.client_id,
            response_type=client.response_type,
            metadata=metadata,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    except rp.ViewerError as exc:
        messages.error(request, str(exc))
        return back
    store = _store(request)
    attempts = store["attempts"]
    attempts[attempt.state] = {
        "slug": tenant.slug,
        "nonce": attempt.nonce,
        "verifier": attempt.code_verifier,
        "response_type": attempt.response_type,
        "at": int(time.time()),
    }
    # Keep only the newest few attempts.
    for state in sorted(attempts, key=lambda s: attempts[s]["at"])[:-MAX_ATTEMPTS]:
        del attempts[state]
    _save(request, store)
    return redirect(attempt.url)


@csrf_exempt  # The IdP's form_post; the state bound to this session stands in for the token.
@login_required
@never_cache
@require_POST
def test_sign_in_callback(request, slug):
    """The Redirect URL: check state, redeem the code, verify the ID token, call userinfo."""
    access = writable_tenant(request, slug)
    tenant = access.tenant
    back = redirect("portal:tenant-test-sign-in", slug=tenant.slug)
    store = _store(request)
    state = request.POST.get("state", "")
    attempt = store["attempts"].pop(state, None) if isinstance(state, str) else None
    _save(request, store)
    if attempt is None or attempt.get("slug") != tenant.slug:
        messages.error(request, "This answer does not belong to a test sign-in started here.")
        return back
    if time.time() - attempt["at"] > ATTEMPT_SECONDS:
        messages.error(request, "The test sign-in took too long; start it again.")
        return back
    if request.POST.get("error"):
        description = request.POST.get("error_description") or request.POST["error"]
        messages.error(request, f"The IdP answered with an error: {description}")
        return back
    try:
        result = _result(request, tenant, attempt)
    except rp.ViewerError as exc:
        messages.error(request, str(exc))
        return back
    store["results"] = {tenant.slug: result}
    _save(request, store)
    return back


def _result(request, tenant, attempt) -> dict:
    client = client_get_primary(tenant=tenant)
    if client is None:
        raise rp.ViewerError("The tenant has no client any more.")
    metadata = rp.fetch_metadata(tenant)
    iss = request.POST.get("iss")
    if iss is not None and iss != metadata["issuer"]:
        raise rp.ViewerError("The answer names another issuer (iss).")
    userinfo = None
    if attempt["response_type"] == "code":
        code = request.POST.get("code")
        if not code:
            raise rp.ViewerError("The answer carries no code.")
        secret = viewer_secret_ensure(
            tenant=tenant, actor=request.user, client=client, request=request
        )
        token = rp.exchange_code(
            tenant=tenant,
            metadata=metadata,
            client_id=client.client_id,
            secret=secret,
            code=code,
            verifier=attempt["verifier"],
        )
        id_token = token.get("id_token")
        if token.get("access_token"):
            userinfo = rp.fetch_userinfo(metadata=metadata, access_token=token["access_token"])
    else:
        id_token = request.POST.get("id_token")
    if not id_token:
        raise rp.ViewerError("No ID token came back.")
    inspected = rp.inspect_id_token(
        id_token=id_token, metadata=metadata, client_id=client.client_id, nonce=attempt["nonce"]
    )
    return {
        "flow": "code flow with form_post and the client secret"
        if attempt["response_type"] == "code"
        else "implicit id_token flow with form_post",
        "at": int(time.time()),
        "header": inspected["header"],
        "claims": inspected["claims"],
        "verified": inspected["verified"],
        "checks": [list(check) for check in inspected["checks"]],
        "userinfo": rp.value_rows(userinfo) if isinstance(userinfo, dict) else None,
        "b2c": rp.b2c_rows(inspected["claims"]),
    }
