"""Print fresh one-time sign-in links for the demo accounts, and where to start."""

import signal
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from portal.demo import DEMO_SLUG, demo_links
from portal.token_viewer import viewer_start_url
from tenants.models import Tenant
from tenants.oidc.endpoints import tenant_endpoints

WAIT_SECONDS = 60
# The worker prints its banner a moment after the web server answers; print after both.
SETTLE_SECONDS = 4


def _wait_for(url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own server)
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    return False


class Command(BaseCommand):
    help = "Print one-time sign-in links for the demo accounts (new ones on every run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Wait for the server to answer first, print, then stay up (for the Procfile).",
        )

    def handle(self, *args, wait=False, **options):
        if wait:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            _wait_for(f"{settings.PUBLIC_URL}/portal/sign-in/", time.monotonic() + WAIT_SECONDS)
            time.sleep(SETTLE_SECONDS)
        self.stdout.write(self.render())
        self.stdout.flush()
        if wait:
            # honcho stops every process when one exits, so this one stays.
            while True:
                signal.pause()

    def render(self) -> str:
        base = settings.PUBLIC_URL
        minutes = settings.EMAIL_LINK_TTL_SECONDS // 60
        rule = "=" * 72
        lines = [rule, f"Latchkey is running at {base}/  (use this address: passkeys need it)", ""]
        links = demo_links()
        if links:
            lines.append(f"One-time sign-in links (each works once, for {minutes} minutes):")
            for link in links:
                lines += [f"  {link.role} ({link.email}):", f"    {link.url}"]
            lines.append("  New links: .venv/bin/python manage.py demo_links")
        else:
            lines.append("No demo accounts: run .venv/bin/python manage.py demo_data first.")
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
        lines.append("")
        if tenant is not None:
            lines.append("Test sign-in (token viewer; sign in as the demo admin first):")
            lines.append(f"  {viewer_start_url(tenant)}")
            lines.append(f"Demo IdP:     {tenant_endpoints(tenant).discovery}")
        if settings.DEV_MAILBOX:
            lines.append(f"Mailbox:      {base}{reverse('portal:dev-mailbox')}  (all email sent)")
        lines.append(f"Portal:       {base}/portal/")
        lines.append(f"API docs:     {base}/api/docs/")
        lines.append(rule)
        return "\n".join(lines)
