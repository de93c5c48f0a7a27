"""Development only: send a request on another host name to PUBLIC_URL's host."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect

# Django's test client; its requests are never browser visits on the wrong address.
TEST_CLIENT_HOST = "testserver"


class DevelopmentHostRedirectMiddleware:
    """Passkeys work only on the address they were made for, so 127.0.0.1 goes to localhost."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.ENVIRONMENT != "development":
            return self.get_response(request)
        public = urlsplit(settings.PUBLIC_URL)
        # The raw header: an unknown host must be redirected, not refused by ALLOWED_HOSTS.
        raw = request.META.get("HTTP_HOST", "")
        try:
            host = urlsplit(f"//{raw}").hostname or ""
        except ValueError:
            host = ""
        if not host or host == TEST_CLIENT_HOST or host == public.hostname:
            return self.get_response(request)
        target = f"{public.scheme}://{public.netloc}{request.get_full_path()}"
        if request.method in ("GET", "HEAD"):
            return HttpResponseRedirect(target)
        # 307 keeps the method and body of a form sent to the wrong address.
        response = HttpResponseRedirect(target)
        response.status_code = 307
        return response
