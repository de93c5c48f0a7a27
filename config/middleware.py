"""Honour X-Forwarded-* only from proxies the operator listed in TRUSTED_PROXIES."""

from django.conf import settings


class TrustedProxyMiddleware:
    """Take the client IP and scheme from a trusted proxy; drop spoofed headers otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if meta.get("REMOTE_ADDR") in settings.TRUSTED_PROXIES:
            forwarded_for = meta.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded_for:
                meta["REMOTE_ADDR"] = forwarded_for.split(",")[-1].strip()
            if meta.get("HTTP_X_FORWARDED_PROTO", "").lower() == "https":
                meta["wsgi.url_scheme"] = "https"
        else:
            for header in (
                "HTTP_X_FORWARDED_HOST",
                "HTTP_X_FORWARDED_PROTO",
                "HTTP_X_FORWARDED_FOR",
            ):
                meta.pop(header, None)
        return self.get_response(request)
