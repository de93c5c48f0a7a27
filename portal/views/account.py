"""Portal home, sign-up, sign-in (link fallback), emailed link landing, profile, docs."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.email_links import LinkInvalid, email_link_peek
from accounts.models import EmailLink
from accounts.ratelimit import RateLimited, check
from accounts.services import (
    portal_sign_in_link_complete,
    portal_sign_in_link_request,
    portal_signup_complete,
    portal_signup_start,
    profile_update,
)
from portal.forms import EmailForm, ProfileForm, SignupForm
from portal.markdown import render_markdown_file
from portal.selectors import dashboard_of
from portal.views.common import (
    LINK_EMAIL,
    LINK_IP,
    LINK_USE_IP,
    SIGNUP_EMAIL,
    SIGNUP_IP,
    ip_of,
    portal_login_required,
    sign_in,
    too_many,
)

GUIDE = Path(settings.BASE_DIR) / "docs" / "portal-guide.md"


@require_http_methods(["GET", "POST"])
def home(request):
    """Signed in: the dashboard. Anonymous: the sign-up form (POST starts a sign-up)."""
    if request.user.is_authenticated:
        if request.method == "POST":
            return redirect("portal:home")
        return _dashboard(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "portal/signup.html", {"form": form}, status=400)
        email = form.cleaned_data["email"]
        try:
            check([(SIGNUP_IP, ip_of(request)), (SIGNUP_EMAIL, email.lower())])
        except RateLimited as exc:
            return too_many(request, exc)
        portal_signup_start(
            email=email,
            given_name=form.cleaned_data["given_name"],
            family_name=form.cleaned_data["family_name"],
            request=request,
        )
        return render(request, "portal/check_email.html", {"email": email, "signup": True})
    return render(request, "portal/signup.html", {"form": form})


def _dashboard(request):
    return render(request, "portal/home.html", dashboard_of(user=request.user))


@require_GET
def sign_in_page(request):
    """Passwordless sign-in: passkey (with autofill) or an emailed link."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    return render(request, "portal/sign_in.html", {"form": EmailForm()})


@require_POST
def sign_in_link(request):
    """Email a sign-in link; the same answer whether or not the address has an account."""
    form = EmailForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/sign_in.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    try:
        check([(LINK_IP, ip_of(request)), (LINK_EMAIL, email.lower())])
    except RateLimited as exc:
        return too_many(request, exc)
    portal_sign_in_link_request(email=email, request=request)
    return render(request, "portal/check_email.html", {"email": email, "signup": False})


def _link_error(request, reason: str):
    return render(
        request,
        "error.html",
        {"title": "This link cannot be used", "message": reason + " Request a new one."},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def email_link(request, token):
    """An emailed link: GET only shows a button (mail scanners), POST uses the link up."""
    try:
        check([(LINK_USE_IP, ip_of(request))])
    except RateLimited as exc:
        return too_many(request, exc)
    link, reasons = None, []
    for purpose in (EmailLink.Purpose.SIGNUP, EmailLink.Purpose.SIGN_IN):
        try:
            link = email_link_peek(token=token, purpose=purpose)
            break
        except LinkInvalid as exc:
            reasons.append(exc.reason)
    if link is None:
        # The specific reason (used, expired) beats "not valid" from the other purpose.
        specific = [r for r in reasons if r != "This link is not valid."]
        return _link_error(request, (specific or reasons)[0])
    signup = link.purpose == EmailLink.Purpose.SIGNUP
    if request.method == "GET":
        return render(request, "portal/email_link.html", {"link": link, "signup": signup})
    try:
        if signup:
            user = portal_signup_complete(token=token, request=request)
        else:
            user = portal_sign_in_link_complete(token=token, request=request)
    except LinkInvalid as exc:
        return _link_error(request, exc.reason)
    sign_in(request, user, method="link")
    if signup or not user.credentials.exists():
        return redirect("portal:passkeys")
    messages.info(
        request,
        "You are signed in. If you lost your passkey, add a new one under My passkeys now.",
    )
    return redirect("portal:home")


@require_POST
def sign_out(request):
    """End the portal session."""
    logout(request)
    return redirect("portal:sign-in")


@portal_login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The user's own profile: email (read-only) and name fields."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if not form.is_valid():
            return render(request, "portal/profile.html", {"form": form}, status=400)
        profile_update(user=user, **form.cleaned_data, request=request)
        messages.success(request, "Profile saved.")
        return redirect("portal:profile")
    form = ProfileForm(initial={"given_name": user.given_name, "family_name": user.family_name})
    return render(request, "portal/profile.html", {"form": form})


@require_GET
def docs(request):
    """The portal guide."""
    return render(request, "portal/docs.html", {"guide": render_markdown_file(GUIDE)})
