"""One Content-Security-Policy for every response of the product (settings.CONTENT_SECURITY_POLICY).

A view may only widen the directives in OVERRIDABLE for its own response, by setting
`response.csp = {"form-action": [...]}` (e.g. the form_post page posts to the RP's origin).
"""

from django.conf import settings

OVERRIDABLE = ("form-action", "frame-ancestors")


def policy_header(overrides: dict | None = None) -> str:
    """The header value: the product's policy with a response's allowed overrides."""
    directives = dict(settings.CONTENT_SECURITY_POLICY)
    for name, sources in (overrides or {}).items():
        if name not in OVERRIDABLE:
            raise ValueError(f"{name} cannot be changed per response")
        directives[name] = list(sources)
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sets the one policy on every response; views never write the header themselves."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.default = policy_header()

    def __call__(self, request):
        response = self.get_response(request)
        overrides = getattr(response, "csp", None)
        response["Content-Security-Policy"] = (
            policy_header(overrides) if overrides else (self.default)
        )
        return response
