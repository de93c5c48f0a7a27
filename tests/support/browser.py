"""Pytest fixtures driving Debian's Chromium via Playwright, with a CDP virtual authenticator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in the test thread, so Django sees an "async
# context" and raises SynchronousOnlyOperation on ORM calls from the test body (e.g. with
# live_server). The loop never runs Django code concurrently, so the guard is a false alarm.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}

__all__ = ["browser", "context", "page", "add_virtual_authenticator", "get_credentials"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Session-wide headless Chromium (system binary; never downloads one)."""
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} not found; install Debian's chromium package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser) -> Iterator[Any]:
    """Fresh, isolated browser context per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context) -> Any:
    """New page in the test's fresh context."""
    return context.new_page()


def add_virtual_authenticator(page, **overrides) -> tuple[Any, str]:
    """Attach a CTAP2 platform virtual authenticator to page; return (cdp_session, id)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator", {"options": {**VIRTUAL_AUTHENTICATOR, **overrides}}
    )
    return cdp, result["authenticatorId"]


def get_credentials(cdp, authenticator_id: str) -> list[dict]:
    """List credentials stored in the virtual authenticator (CDP WebAuthn.Credential dicts)."""
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
