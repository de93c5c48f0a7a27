"""RP-Initiated Logout 1.0: the end-session endpoint of one tenant (GET and POST)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from idp.form_post import harden, origin_of
from idp.id_token_hint import id_token_hint_claims
from idp.session import enduser_current, enduser_sign_out
from idp.views_oidc import error_page
from tenants.models import OIDCClient


@csrf_protect
def _confirmed(request, *, view):
    """The user's own "Sign out" press: our CSRF token and a same-origin Origin are required."""
    return view.logout(request, request.POST, confirmed=True)


# An RP's page posts here cross-site without our CSRF token (§2: the OP MUST accept POST), so
# the view is exempt; what such a post can do is what a GET can do. Only the confirmation,
# which signs out without an id_token_hint, is CSRF-checked (_confirmed).
@method_decorator(csrf_exempt, name="dispatch")
class LogoutView(View):
    """RP-initiated logout: ends the sign-in at this tenant only, then back to the RP."""

    def get(self, request, tenant_slug):
        return self.logout(request, request.GET, confirmed=False)

    def post(self, request, tenant_slug):
        if request.POST.get("confirm") == "yes":
            return _confirmed(request, view=self)
        return self.logout(request, request.POST, confirmed=False)

    def logout(self, request, params, *, confirmed: bool):
        tenant = request.tenant

        def refuse(message, code="invalid_request"):
            return error_page(
                request, status=400, title=_("Cannot sign out"), message=message, code=code
            )

        hint = params.get("id_token_hint", "")
        client_id = params.get("client_id", "")
        redirect_to = params.get("post_logout_redirect_uri", "")
        state = params.get("state", "")
        claims = None
        client = None
        clients = OIDCClient.objects.for_tenant(tenant).prefetch_related("redirect_urls")
        if hint:
            claims = id_token_hint_claims(tenant, hint)
            if claims is None:
                return refuse("The id_token_hint was not issued by this organisation.")
            audience = claims.get("aud")
            audience = [audience] if isinstance(audience, str) else list(audience or [])
            client = clients.filter(
                client_id__in=[a for a in audience if isinstance(a, str)]
            ).first()
            if client is None:
                return refuse("The id_token_hint names an unknown application.")
        if client_id:
            named = clients.filter(client_id=client_id).first()
            if named is None or (client is not None and named.pk != client.pk):
                return refuse("The client_id does not match.", code="invalid_client")
            client = named
        if redirect_to:
            if client is None:
                return refuse("post_logout_redirect_uri needs a client_id or an id_token_hint.")
            if not client.post_logout_redirect_uri_allowed(redirect_to):
                return refuse(
                    "The post_logout_redirect_uri is not registered for this application."
                )
        current = enduser_current(request, tenant=tenant)
        hint_matches = (
            claims is not None and current is not None and claims.get("sub") == current.user.subject
        )
        if current is not None and not hint_matches and not confirmed:
            # Without proof the RP speaks for this user's session, the user must confirm.
            response = render(
                request,
                "idp/oidc_logout_confirm.html",
                {
                    "tenant": tenant,
                    "client": client,
                    "fields": [
                        ("id_token_hint", hint),
                        ("client_id", client_id),
                        ("post_logout_redirect_uri", redirect_to),
                        ("state", state),
                    ],
                },
            )
            # same-origin, not no-referrer: Chromium then posts the form with our real Origin
            # (no-referrer makes it `null`, which the CSRF check rightly refuses), and still
            # sends no Referer to the RP. After the post the browser follows a redirect to the
            # RP, which form-action must allow too.
            targets = ["'self'"] + ([origin_of(redirect_to)] if redirect_to else [])
            return harden(response, form_action=" ".join(targets), referrer="same-origin")
        enduser_sign_out(request, tenant=tenant)
        if redirect_to:
            target = redirect_to
            if state:
                target += ("&" if urlsplit(redirect_to).query else "?") + urlencode(
                    {"state": state}
                )
            response = HttpResponseRedirect(target)
            response.allowed_schemes = ["http", "https"]
            return harden(response)
        return harden(
            render(request, "idp/oidc_signed_out.html", {"tenant": tenant}), form_action="'none'"
        )
