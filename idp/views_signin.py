"""End-user sign-in pages and their JSON ceremony endpoints (thin: the work is in services)."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.email_links import LinkInvalid, email_link_peek
from accounts.models import User
from accounts.ratelimit import RateLimited
from idp import email_proof, passkey_signin, registration
from idp.errors import SignInError
from idp.forms_signin import CodeForm, EmailForm, SignupForm
from idp.limits import (
    LIMITS_OPTIONS,
    LIMITS_OPTIONS_EMAIL,
    LIMITS_VERIFY,
    limit_pairs,
    rate_limit,
)
from idp.session import SignInState
from idp.signin_page import sign_in_page
from idp.views_oidc import resume_authorization
from idp.views_signin_common import (
    account_url,
    form_errors,
    idp_headers,
    json_body,
    json_errors,
    redirect_to,
    safe_next,
    sign_in_url,
)
from tenants.audit import audit_log, client_ip


def _ip(request) -> str:
    return client_ip(request) or ""


def _complete(request, *, user: User, amr: list[str], next_url: str, method: str, passkey_id):
    """Sign the user in at this tenant and say where to go next."""
    return _sign_in(
        request, user=user, amr=amr, next_url=next_url, method=method, passkey_id=passkey_id
    )[0]


def _sign_in(
    request, *, user: User, amr: list[str], next_url: str, method: str, passkey_id, audited=False
):
    """Sign the user in at this tenant: (where to go next, the sign-in). `audited`: its audit
    row is written already (SignInState.complete)."""
    tenant = request.tenant
    signed_in = SignInState(request, tenant).complete(
        user=user, amr=amr, method=method, passkey_id=passkey_id, audited=audited
    )
    return safe_next(next_url, tenant) or account_url(tenant), signed_in


def _signed_in(request, body: dict, **sign_in) -> JsonResponse:
    """Sign the user in and answer the page: where to go next, and authorize's answer itself
    when the page came from authorize and asks for it (it then posts or follows it)."""
    return _signed_in_answer(request, body, *_sign_in(request, **sign_in))


def _signed_in_answer(request, body: dict, redirect: str, signed_in) -> JsonResponse:
    """The answer of _signed_in(), for a sign-in _sign_in() made."""
    answer = {"status": "signed_in", "redirect": redirect}
    if body.get("deliver") is True:
        answer.update(resume_authorization(request, redirect, signed_in=signed_in) or {})
    return JsonResponse(answer)


@idp_headers
@require_safe
@ensure_csrf_cookie
def sign_in(request, tenant_slug):
    """The sign-in page: email, Continue, and passkey autofill."""
    return sign_in_page(
        request,
        next_url=request.GET.get("next"),
        login_hint=request.GET.get("login_hint", ""),
        current=SignInState(request, request.tenant).current(),
        reauth=request.GET.get("reauth") == "1",
    )


@idp_headers
@require_POST
@json_errors
def signin_options(request, tenant_slug):
    """Request options for an email (real or decoy credentials) or for autofill (none)."""
    tenant = request.tenant
    body = json_body(request)
    limits = limit_pairs(LIMITS_OPTIONS, _ip(request))
    email = ""
    if body.get("email"):
        form = EmailForm({"email": body.get("email")}, tenant=tenant)
        if not form.is_valid():
            rate_limit(LIMITS_OPTIONS, _ip(request))  # counted as before, refused or not
            return form_errors(form)
        email = form.cleaned_data["email"]
        limits += limit_pairs(LIMITS_OPTIONS_EMAIL, f"{tenant.pk}:{email}")
    # The rate limits counted in the challenge's round trip (over one, it is dropped).
    return JsonResponse(passkey_signin.signin_options(tenant=tenant, email=email, limits=limits))


@idp_headers
@require_POST
@json_errors
def signin_verify(request, tenant_slug):
    """Verify the assertion; sign in, or first ask for the email code if it is unproven."""
    tenant = request.tenant
    body = json_body(request)
    state = SignInState(request, tenant)

    def audit(signed):
        # The sign-in's audit row, written by the passkey's counter update (if it is accepted).
        if _needs_proof(tenant, signed.user):
            return []
        return [
            state.signed_in_event(
                user=signed.user,
                amr=signed.amr,
                method=signed.method,
                passkey_id=signed.credential.pk,
            )
        ]

    signed = passkey_signin.signin_verify(
        tenant=tenant,
        handle=body.get("handle"),
        response=body.get("credential"),
        request=request,
        # Counted in the challenge's round trip (over one, the challenge is used up all the same).
        limits=limit_pairs(LIMITS_VERIFY, _ip(request)),
        audit=audit,
    )
    next_url = safe_next(body.get("next"), tenant)
    user = signed.user
    if _needs_proof(tenant, user):
        link_id = email_proof.email_proof_send(
            tenant=tenant, email=user.email, purpose="verify", next_url=next_url, request=request
        )
        state.set_pending_link(link_id)
        state.set_pending_signin(
            {
                "user_id": user.pk,
                "amr": signed.amr,
                "next": next_url,
                "passkey_id": signed.credential.pk,
            }
        )
        return JsonResponse({"status": "verify_email", "email": user.email})
    return _signed_in(
        request,
        body,
        user=user,
        amr=signed.amr,
        next_url=next_url,
        method=signed.method,
        passkey_id=signed.credential.pk,
        audited=True,
    )


def _needs_proof(tenant, user: User) -> bool:
    """A passkey sign-in waits for the email code while the address is unproven."""
    return tenant.require_email_verification and not user.email_verified


@idp_headers
@require_POST
@json_errors
def signup_start(request, tenant_slug):
    """A new account: check the tenant's inputs, then email a code or go straight to the passkey."""
    tenant = request.tenant
    body = json_body(request)
    form = SignupForm({k: v for k, v in body.items() if isinstance(v, str)}, tenant=tenant)
    if not form.is_valid():
        return form_errors(form)
    email, names = form.cleaned_data["email"], form.names()
    next_url = safe_next(body.get("next"), tenant)
    state = SignInState(request, tenant)
    state.set_proof(None)
    if tenant.require_email_verification:
        link_id = email_proof.email_proof_send(
            tenant=tenant,
            email=email,
            purpose="signup",
            names=names,
            next_url=next_url,
            request=request,
        )
        state.set_pending_link(link_id)
        state.set_signup(None)
        return JsonResponse({"status": "email_sent", "email": email})
    state.set_signup({"email": email, "names": names, "next": next_url})
    # The creation options come with the answer: the page creates the passkey straight away.
    return JsonResponse({"status": "register", "email": email, **_offered_options(request)})


def _proving_passkeys(request, tenant) -> list[int]:
    """Passkeys this browser signed in with: if it now proves the address for the first time,
    their holder also holds the mailbox, so they are kept."""
    ids = []
    state = SignInState(request, tenant)
    pending = state.pending_signin()
    if pending:
        ids.append(pending.get("passkey_id"))
    current = state.current()
    if current is not None:
        ids.append(current.passkey_id)
    return [pk for pk in ids if isinstance(pk, int)]


def _after_proof(request, proof: email_proof.Proof) -> tuple[str, str, bool]:
    """Where a proven address leads: finish a waiting sign-in, or on to create a passkey; and
    whether that passkey may be created right here (no message waits for its page)."""
    tenant = request.tenant
    state = SignInState(request, tenant)
    state.set_pending_link(None)
    create_passkey_url = reverse("idp:signin-create-passkey", kwargs={"tenant_slug": tenant.slug})
    if proof.purpose == "verify":
        pending = state.pending_signin()
        if pending and pending["user_id"] == proof.user_id:
            user = User.objects.for_tenant(tenant).filter(pk=proof.user_id, is_active=True).first()
            if user is not None:
                redirect = _complete(
                    request,
                    user=user,
                    amr=pending["amr"],
                    next_url=pending["next"],
                    method="passkey_then_email",
                    passkey_id=pending.get("passkey_id"),
                )
                return "signed_in", redirect, False
        if proof.needs_passkey:
            # Every passkey predated the proof and was removed: the prover creates a new one.
            messages.success(
                request,
                "Your email address is confirmed. Passkeys created before it was confirmed "
                "were removed; create a new passkey now.",
            )
            recovery = replace(proof, purpose="recovery")
            state.set_proof(recovery.as_session())
            return "proven", create_passkey_url, False
        if proof.passkeys_removed:
            messages.success(
                request,
                "Your email address is confirmed. Passkeys created before it was confirmed "
                "were removed, and you were signed out everywhere.",
            )
        else:
            messages.success(request, "Your email address is confirmed.")
        current = state.current()
        return "verified", account_url(tenant) if current else sign_in_url(tenant), False
    state.set_proof(proof.as_session())
    return "proven", create_passkey_url, True


@idp_headers
@require_POST
@json_errors
def email_code(request, tenant_slug):
    """Check the one-time code from the email."""
    tenant = request.tenant
    body = json_body(request)
    form = CodeForm(body)
    if not form.is_valid():
        return form_errors(form)
    link_id = SignInState(request, tenant).pending_link()
    proof = email_proof.email_code_check(
        tenant=tenant,
        link_id=link_id,
        code=form.cleaned_data["code"],
        keep_passkey_ids=_proving_passkeys(request, tenant),
        request=request,
    )
    status, redirect, create_here = _after_proof(request, proof)
    answer = {"status": status, "redirect": redirect}
    if create_here and body.get("create_here") is True:
        # The sign-in page creates the passkey itself, without going to `redirect` (which
        # still works); a page that asks for none (the recovery page) gets no challenge.
        answer.update(_offered_options(request))
    return JsonResponse(answer)


@idp_headers
@require_http_methods(["GET", "POST"])
def email_link(request, tenant_slug, kind, token):
    """An emailed link: GET shows a button (mail scanners must not use it up), POST uses it."""
    tenant = request.tenant
    purposes = {"signup": "signup", "recovery": "recovery", "verify": "verify"}
    if request.method == "GET":
        try:
            link = email_link_peek(token=token, purpose=purposes.get(kind, ""), tenant=tenant)
        except LinkInvalid as exc:
            return _error_page(request, _("This link cannot be used"), exc.reason, 400)
        return render(
            request, "idp/signin_link.html", {"tenant": tenant, "kind": kind, "email": link.email}
        )
    try:
        proof = email_proof.email_link_open(
            tenant=tenant,
            kind=kind,
            token=token,
            keep_passkey_ids=_proving_passkeys(request, tenant),
            request=request,
        )
    except SignInError as exc:
        return _error_page(request, _("This link cannot be used"), exc.message, 400)
    _status, redirect, _here = _after_proof(request, proof)
    return redirect_to(request, redirect)


def _error_page(request, title: str, message: str, status: int):
    return render(
        request,
        "idp/signin_error.html",
        {"tenant": request.tenant, "title": title, "message": message},
        status=status,
    )


@idp_headers
@require_safe
@ensure_csrf_cookie
def create_passkey(request, tenant_slug):
    """After the email was proven: create the passkey for the new account or the recovery."""
    tenant = request.tenant
    proof = email_proof.proof_from_session(SignInState(request, tenant).proof())
    if proof is None:
        return _error_page(
            request,
            _("This step has expired"),
            _("Start again from the sign-in page to get a new email."),
            400,
        )
    return render(
        request,
        "idp/signin_create_passkey.html",
        {"tenant": tenant, "proof": proof, "recovery": proof.purpose == "recovery"},
    )


def _registration_intent(request) -> tuple[registration.Intent, str]:
    """The registration this browser may make now, from the session: proven or (if the tenant
    allows it) an unproven sign-up."""
    tenant = request.tenant
    state = SignInState(request, tenant)
    proof = email_proof.proof_from_session(state.proof())
    if proof is not None:
        kind = "signup" if proof.purpose == "signup" else "recovery"
        intent = registration.Intent(
            kind=kind,
            email=proof.email,
            names=proof.names,
            user_id=proof.user_id if kind == "recovery" else None,
            proven=True,
            link_id=proof.link_id,
        )
        return intent, proof.next
    signup = state.signup()
    if not tenant.require_email_verification and signup is not None:
        intent = registration.Intent(kind="signup", email=signup["email"], names=signup["names"])
        return intent, signup.get("next", "")
    raise SignInError(_("Confirm your email address first, then create your passkey."))


def _registration_options(request) -> dict:
    """Creation options, bound to the registration this session may make now."""
    intent, _next = _registration_intent(request)
    # The rate limits counted in the challenge's round trip (over one, it is dropped).
    limits = limit_pairs(LIMITS_OPTIONS, _ip(request))
    return registration.registration_begin(tenant=request.tenant, intent=intent, limits=limits)


def _offered_options(request) -> dict:
    """The creation options to send along with an answer; none over the rate limit (the step
    itself went through: the page asks for options, and is told to wait)."""
    try:
        return {"options": _registration_options(request)}
    except RateLimited:
        return {}


@idp_headers
@require_POST
@json_errors
def register_options(request, tenant_slug):
    """Creation options for the registration this session is allowed to make."""
    json_body(request)
    return JsonResponse(_registration_options(request))


@idp_headers
@require_POST
@json_errors
def register_verify(request, tenant_slug):
    """Verify the new passkey, create the account (or recover it), and sign in."""
    tenant = request.tenant
    body = json_body(request)
    intent, next_url = _registration_intent(request)
    state = SignInState(request, tenant)
    steps = {"send": None}

    def then(user, credential, created):
        # In the registration's transaction (its audit rows in the same statement): the
        # session steps are used up and the user signed in; an unproven address is sent its
        # email once the transaction is committed.
        state.set_proof(None)
        state.set_signup(None)
        if created and not user.email_verified:
            try:
                _link, steps["send"] = email_proof.email_proof_issue(
                    tenant=tenant, email=user.email, purpose="verify", request=request, user=user
                )
            except RateLimited:
                pass  # the account page offers to send it again
        steps["signed_in"] = _sign_in(
            request,
            user=user,
            amr=passkey_signin.amr_for(credential),
            next_url=next_url,
            method=intent.kind,
            passkey_id=credential.pk,
        )

    registration.registration_finish(
        tenant=tenant,
        handle=body.get("handle"),
        response=body.get("credential"),
        intent=intent,
        request=request,
        then=then,
        # Counted in the challenge's round trip (over one, the challenge is used up all the same).
        limits=limit_pairs(LIMITS_VERIFY, _ip(request)),
    )
    if steps["send"] is not None:
        steps["send"]()
    return _signed_in_answer(request, body, *steps["signed_in"])


@idp_headers
@require_http_methods(["GET", "POST"])
@ensure_csrf_cookie
def recover(request, tenant_slug):
    """Lost passkey: ask for a recovery email (the answer is the same for every address)."""
    tenant = request.tenant
    form = EmailForm(
        request.POST or None, tenant=tenant, initial={"email": request.GET.get("email", "")[:254]}
    )
    form.fields["email"].widget.attrs["autocomplete"] = "username"
    sent, error = False, ""
    if request.method == "POST" and form.is_valid():
        try:
            link_id = email_proof.email_proof_send(
                tenant=tenant,
                email=form.cleaned_data["email"],
                purpose="recovery",
                next_url=safe_next(request.POST.get("next"), tenant),
                request=request,
            )
        except RateLimited as exc:
            error = f"Too many attempts. Wait {exc.retry_after} seconds, then try again."
        else:
            SignInState(request, tenant).set_pending_link(link_id)
            sent = True
    context = {
        "tenant": tenant,
        "form": form,
        "sent": sent,
        "error": error,
        "code_form": CodeForm(),
        "next": safe_next(request.GET.get("next") or request.POST.get("next"), tenant),
    }
    status = 429 if error else 400 if request.method == "POST" and not sent else 200
    return render(request, "idp/signin_recover.html", context, status=status)


@idp_headers
@require_POST
def sign_out(request, tenant_slug):
    """Forget the sign-in at this tenant only."""
    tenant = request.tenant
    state = SignInState(request, tenant)
    current = state.current()
    state.sign_out()
    if current is not None:
        audit_log(
            action="enduser.signed_out",
            tenant=tenant,
            target=current.user,
            details={"user": current.user.subject},
            request=request,
        )
    return redirect_to(request, sign_in_url(tenant))
