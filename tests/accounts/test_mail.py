"""The branded HTML part: its frame is rendered once per language and brand, the body each time."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.template import engines
from django.utils import translation

from accounts.mail import _branded_html, mail_send
from tenants.branding import colors
from tenants.branding.selectors import logo_url_of
from tests import factories


def _whole_template() -> str:
    """templates/emails/_branded.html as it was when it filtered the body itself."""
    frame = (django_settings.BASE_DIR / "templates" / "emails" / "_branded.html").read_text()
    assert frame.count("{{ body }}") == 1
    return frame.replace("{{ body }}", "{{ body|linebreaks|urlize }}")


BODIES = [
    "Hello,\n\nsomeone started an account for o'neil+x@example.com at A & B <Co>.\n\n"
    "Your code: 123456\n\nOr open this link:\nhttps://id.example.com/t/a/sign-in/email/"
    "signup/AbC-_9/\n\nExpires in 10 minutes.",
    '<script>alert(1)</script>\r\n\r\n"quoted" www.example.org\n',
    "",
]


def _whole(body, tenant) -> str:
    color = colors.palette(tenant.brand_color or colors.DEFAULT_PRIMARY)["--lk-primary"]
    context = {"body": body, "tenant": tenant, "logo_url": logo_url_of(tenant), "color": color}
    return engines["django"].from_string(_whole_template()).render(context)


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
