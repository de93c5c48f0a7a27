"""The portal page where users create and revoke their personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.api.tokens import access_api_token, api_token_create, api_token_revoke, api_tokens_of
from portal.forms_settings import ApiTokenForm
from portal.views.common import apply_errors, credential_rows


def _portal_user(request):
    if request.user.tenant_id is not None:
        raise Http404("No such page.")
    return request.user


def _render(request, *, form=None, status=200, **extra):
    user = _portal_user(request)
    rows = credential_rows(
        api_tokens_of(user=user),
        revoke_url=lambda token: reverse("portal:api-token-revoke", args=[token.pk]),
    )
    context = {"tokens": rows, "form": form or ApiTokenForm(), **extra}
    return render(request, "portal/settings_api_tokens.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request):
    """List the user's tokens; POST creates one and shows it once."""
    user = _portal_user(request)
    if request.method != "POST":
        return _render(request)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, plaintext = api_token_create(
                user=user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                request=request,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _render(request, new_token=token, new_token_value=plaintext)
    return _render(request, form=form, status=400)


@login_required
@require_POST
def api_token_revoke_view(request, pk):
    """Revoke one of the user's tokens."""
    user = _portal_user(request)
    token = access_api_token(user=user, id=pk)
    api_token_revoke(user=user, token=token, request=request)
    messages.success(request, f"API token “{token.name}” revoked.")
    return redirect("portal:api-tokens")
