"""Development mailbox: mail lands in var/mail, a portal page lists it; never in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import send_mail
from django.urls import reverse

from accounts.mailbox import mailbox_get, mailbox_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "accounts.mailbox.MailboxBackend"
    settings.DEV_MAILBOX = True
    settings.DEV_MAILBOX_DIR = tmp_path / "mail"
    return tmp_path / "mail"


def test_backend_keeps_each_message_and_the_page_lists_and_reads_it(client, mailbox, db):
    send_mail("First", "Hello", "from@example.com", ["ada@example.com"])
    send_mail("Your link", "Open http://localhost:8000/portal/link/abc/", "f@x.test", ["b@x.test"])
    assert len(list(mailbox.glob("*.eml"))) == 2
    assert [m.subject for m in mailbox_list()] == ["Your link", "First"]

    page = client.get(reverse("portal:dev-mailbox"))
    assert page.status_code == 200
    assert b"Your link" in page.content and b"ada@example.com" in page.content
    newest = mailbox_list()[0]
    read = client.get(reverse("portal:dev-mailbox-message", args=[newest.id]))
    assert read.status_code == 200
    assert b'<a href="http://localhost:8000/portal/link/abc/"' in read.content


@pytest.mark.parametrize("bad", ["../secret_key", "nope", "1" * 16 + "-zzzzzzzz"])
def test_unknown_or_crafted_ids_are_404(client, mailbox, db, bad):
    assert mailbox_get(bad) is None
    assert client.get(f"/portal/dev/mail/{bad}/").status_code == 404


def test_check_email_page_links_to_the_mailbox(client, mailbox, db):
    response = client.post(reverse("portal:sign-in-link"), {"email": "someone@example.com"})
    assert response.status_code == 200
    assert reverse("portal:dev-mailbox").encode() in response.content


def test_pages_are_404_without_the_mailbox(client, settings, db):
    settings.DEV_MAILBOX = False
    assert client.get(reverse("portal:dev-mailbox")).status_code == 404
    response = client.post(reverse("portal:sign-in-link"), {"email": "someone@example.com"})
    assert b"/portal/dev/mail/" not in response.content


PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
status = Client().get("/portal/dev/mail/", secure=True, HTTP_HOST="id.example.com").status_code
print(json.dumps({"backend": settings.EMAIL_BACKEND, "mailbox": settings.DEV_MAILBOX,
                  "status": status}))
"""


def _probe(tmp_path, **env_extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("EMAIL_BACKEND", "DEBUG")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LATCHKEY_VAR_DIR": str(tmp_path)})
    env.update(env_extra)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_has_neither_the_backend_nor_the_page(tmp_path):
    production = _probe(
        tmp_path,
        LATCHKEY_ENV="production",
        PUBLIC_URL="https://id.example.com",
        SECRET_KEY="s" * 50,
        KEY_ENCRYPTION_KEY="k" * 50,
    )
    assert production == {
        "backend": "django.core.mail.backends.console.EmailBackend",
        "mailbox": False,
        "status": 404,
    }


def test_development_uses_the_mailbox_by_default(tmp_path):
    # The probe's host is PUBLIC_URL's: other hosts are redirected (or looked up as custom domains).
    development = _probe(tmp_path, LATCHKEY_ENV="development", PUBLIC_URL="https://id.example.com")
    assert development["backend"] == "accounts.mailbox.MailboxBackend"
    assert development["mailbox"] is True
