"""The branded HTML part: its frame is rendered once per language and brand, the body each time."""

from __future__ import annotations

import pytest
from django.core import mail
from django.template import engines
from django.utils import translation

from accounts.mail import _branded_html, mail_send
from tenants.branding import colors
from tenants.branding.selectors import logo_url_of
from tests import factories

# templates/emails/_branded.html as it was when it rendered the whole mail on every send.
WHOLE = "{% load i18n %}{% get_current_language as LANGUAGE_CODE %}<!doctype html>\n<html lang=\"{{ LANGUAGE_CODE }}\">\n<head><meta charset=\"utf-8\"><title>{{ tenant.display_name }}</title></head>\n<body style=\"margin:0;padding:24px;background:#f4f5f7;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24\">\n  <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:560px;margin:0 auto;background:#ffffff;border-top:4px solid {{ color }};border-radius:8px\">\n    <tr><td style=\"padding:24px 24px 8px\">\n      {% if logo_url %}<img src=\"{{ logo_url }}\" alt=\"\" height=\"40\" style=\"display:block;max-height:40px;margin-bottom:8px\">{% endif %}\n      <strong style=\"font-size:18px\">{{ tenant.display_name }}</strong>\n    </td></tr>\n    <tr><td style=\"padding:8px 24px 24px;font-size:15px;line-height:1.5\">{{ body|linebreaks|urlize }}</td></tr>\n  </table>\n</body>\n</html>\n"

BODIES = [
    "Hello,\n\nsomeone started an account for o'neil+x@example.com at A & B <Co>.\n\n"
    "Your code: 123456\n\nOr open this link:\nhttps://id.example.com/t/a/sign-in/email/"
    "signup/AbC-_9/\n\nExpires in 10 minutes.",
    "<script>alert(1)</script>\r\n\r\n\"quoted\" www.example.org\n",
    "",
]


def _whole(body, tenant) -> str:
    color = colors.palette(tenant.brand_color or colors.DEFAULT_PRIMARY)["--lk-primary"]
    context = {"body": body, "tenant": tenant, "logo_url": logo_url_of(tenant), "color": color}
    return engines["django"].from_string(WHOLE).render(context)


@pytest.mark.parametrize("language", ["en", "de", "ja"])
@pytest.mark.parametrize("brand", [{}, {"brand_color": "#ff8800", "logo_sha256": "ab" * 32}])
def test_the_html_part_is_the_whole_template_render(db, settings, language, brand):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tenant = factories.tenant(display_name="A & B <Co> \"q\" 'x' <!--", **brand)
    for body in BODIES:
        mail.outbox.clear()
        with translation.override(language):
            mail_send(template="idp_signup", to="x@example.com", context={"tenant": tenant})
            sent = mail.outbox[0]
            assert sent.alternatives[0][0] == _whole(sent.body, tenant)
            assert _branded_html(body=body, tenant=tenant) == _whole(body, tenant)
