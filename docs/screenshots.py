"""Docs screenshots from the real pages: a scratch SQLite site, headless Chromium, docs/img/.

Run: .venv/bin/python docs/screenshots.py   (CI runs it too, so the pictures stay true.)
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 140 40" width="140" height="40">'
    b'<rect width="40" height="40" rx="9" fill="#0a7d5a"/>'
    b'<path d="M12 26l8-12 8 12z" fill="#fff"/>'
    b'<text x="50" y="28" font-family="sans-serif" font-size="22" fill="#0a7d5a">Acme</text></svg>'
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(port: int) -> None:
    # A scratch site of its own: never the developer's or CI's database.
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["LATCHKEY_VAR_DIR"] = tempfile.mkdtemp(prefix="lk-shots-")
    os.environ["PUBLIC_URL"] = f"http://localhost:{port}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _data():
    from accounts.models import Membership, User
    from tenants.audit import audit_log
    from tenants.branding.services import tenant_branding_save
    from tenants.oidc.services import oidc_settings_update, redirect_url_add
    from tenants.services import tenant_create

    tenant = tenant_create(slug="acme", display_name="Acme Travel")
    admin = User.objects.create_user("dana@acme.example", given_name="Dana", family_name="Admin")
    Membership.objects.create(user=admin, tenant=tenant, role="read_write")
    oidc_settings_update(tenant=tenant, actor=admin, enabled=True)
    redirect_url_add(
        tenant=tenant,
        actor=admin,
        url="https://acme.b2clogin.com/acme.onmicrosoft.com/oauth2/authresp",
    )
    tenant_branding_save(tenant=tenant, actor=admin, logo=LOGO, primary_color="#0a7d5a")
    audit_log(action="portal.docs_screenshot", actor=admin, tenant=tenant, details={"ok": True})
    return tenant, admin


def _session_for(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.PortalUserBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _serve(port: int):
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), Quiet, allow_reuse_address=True)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    if not os.path.exists(CHROMIUM):
        print(f"docs/screenshots.py: {CHROMIUM} not found; install Debian's chromium")
        return 1
    port = _free_port()
    _setup(port)
    tenant, admin = _data()
    base = f"http://localhost:{port}"
    session = _session_for(admin)  # before Playwright: its event loop makes ORM calls unsafe
    server = _serve(port)
    from playwright.sync_api import sync_playwright

    shots = [
        ("portal-settings.png", "/portal/tenants/acme/settings/", True, {}),
        ("portal-audit-log.png", "/portal/tenants/acme/audit/", True, {}),
        ("portal-signing-keys.png", "/portal/tenants/acme/keys/", True, {}),
        ("idp-sign-in.png", "/t/acme/sign-in/", False, {}),
        ("idp-sign-in-ja.png", "/t/acme/sign-in/", False, {"Accept-Language": "ja"}),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for name, path, signed_in, headers in shots:
                ctx = browser.new_context(
                    viewport={"width": 1280, "height": 800}, extra_http_headers=headers
                )
                if signed_in:
                    cookie = {"name": "sessionid", "value": session, "url": base}
                    ctx.add_cookies([cookie])
                page = ctx.new_page()
                response = page.goto(base + path)
                if response is None or response.status != 200:
                    raise SystemExit(f"{path} answered {response and response.status}")
                page.screenshot(path=str(OUT / name))
                print(f"docs/img/{name}")
                ctx.close()
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
