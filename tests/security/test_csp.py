"""Issue 11 item 12: one strict Content-Security-Policy on every page, portal included."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from config.csp import policy_header
from tests.support.routes import concrete_paths, sweep_clients

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


def directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def test_the_policy_is_strict():
    policy = directives(policy_header())
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in s or s == "*" for v in policy.values() for s in v)


def test_every_page_carries_the_one_policy_and_no_inline_code(db):
    """Every GET route, anonymous and signed in as staff/admin/end user: the same CSP (only
    form-action may differ per page) and no inline script, handler or style in the HTML."""
    tenant, clients = sweep_clients()
    expected = directives(policy_header())
    html_pages = set()
    failures = []
    for name, client in clients.items():
        for path in concrete_paths(tenant):
            response = client.get(path)
            header = response.get("Content-Security-Policy")
            if header is None:
                failures.append((name, path, response.status_code, "no CSP"))
                continue
            got = directives(header)
            got.pop("form-action")
            if got != {k: v for k, v in expected.items() if k != "form-action"}:
                failures.append((name, path, "another policy", header))
            if "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            html_pages.add((name, path, response.status_code))
            for label, pattern in (
                ("inline script", INLINE_SCRIPT),
                ("inline handler", INLINE_HANDLER),
                ("inline style", INLINE_STYLE),
                ("javascript: URL", JAVASCRIPT_URL),
            ):
                match = pattern.search(html)
                if match:
                    failures.append((name, path, label, html[match.start() : match.start() + 80]))
    assert not failures
    statuses = {path: status for name, path, status in html_pages if name == "signed-in"}
    # The sweep reached the real pages, not only sign-in redirects and 404s.
    for page in ("/portal/", f"/portal/tenants/{tenant.slug}/settings/", "/admin/", "/api/docs/"):
        assert statuses.get(page) == 200, (page, statuses.get(page))
    assert statuses.get(f"/t/{tenant.slug}/account/") == 200


def test_api_docs_start_up_script_is_a_file(client, support_user):
    client.force_login(support_user, backend="accounts.backends.PortalUserBackend")
    page = client.get("/api/docs/")
    assert page.status_code == 200
    src = re.findall(r'<script src="([^"]+)"', page.content.decode())
    script = client.get(src[-1])
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert "javascript" in script["Content-Type"]


def test_only_form_action_and_frame_ancestors_vary_per_response():
    from config.csp import policy_header as header

    assert "form-action https://rp.example" in header({"form-action": ["https://rp.example"]})
    with pytest.raises(ValueError):
        header({"script-src": ["'unsafe-inline'"]})


def test_the_policy_is_one_setting():
    assert "config.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
