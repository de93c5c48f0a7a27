"""Translations: complete, fresh catalogues; every IdP template string marked; language order."""

from __future__ import annotations

import ast
import gettext
import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

from idp.locale import from_ui_locales, language_for

ROOT = Path(settings.BASE_DIR)
LOCALES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
END_USER_TEMPLATES = sorted(
    [*ROOT.glob("templates/idp/*.html"), *ROOT.glob("templates/emails/idp_*.txt")]
)
# Product names are not translated.
PROPER_NOUNS = {"Latchkey"}
GETTEXT_CALL = re.compile(r"gettext\((u?'(?:[^'\\]|\\.)*')\)")


def _catalog(code):
    with open(ROOT / "locale" / code / "LC_MESSAGES" / "django.po", "rb") as f:
        return read_po(f, locale=code)


def _template_strings() -> set[str]:
    found = set()
    for path in END_USER_TEMPLATES:
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        found |= {ast.literal_eval(m.group(1)) for m in GETTEXT_CALL.finditer(code)}
    return found


@pytest.mark.parametrize("code", LOCALES)
def test_catalogue_is_complete_not_fuzzy_and_placeholders_match(code):
    catalog = _catalog(code)
    assert not catalog.fuzzy, f"{code}: the catalogue header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            problems.append(f"untranslated: {message.id!r}")
    for message, errors in catalog.check():
        problems += [f"{message.id!r}: {e}" for e in errors]
    assert not problems, f"{code}:\n" + "\n".join(problems)


@pytest.mark.parametrize("code", LOCALES)
def test_compiled_catalogue_matches_the_po_file(code):
    with open(ROOT / "locale" / code / "LC_MESSAGES" / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [m.id for m in _catalog(code) if m.id and compiled.gettext(m.id) != m.string]
    assert not stale, f"{code}: django.mo is stale; run `make messages`. First: {stale[:3]}"


@pytest.mark.parametrize("code", LOCALES)
def test_every_end_user_template_string_is_in_the_catalogue(code):
    ids = {m.id for m in _catalog(code) if m.id}
    missing = sorted(_template_strings() - ids)
    assert not missing, f"{code}: not extracted, run `make messages`: {missing[:5]}"


def _unmarked_text(source: str) -> list[str]:
    """Visible text in a template that is outside {% translate %}/{% blocktranslate %}."""
    text = re.sub(
        r"\{% (block)?trans(late)? .*?%\}.*?\{% endblock(trans|translate) %\}",
        " ",
        source,
        flags=re.S,
    )
    text = re.sub(r"\{% (trans|translate) .*?%\}", " ", text)
    # Blocks that hold CSS class names, not words.
    text = re.sub(r"\{% block card_class %\}.*?\{% endblock %\}", " ", text, flags=re.S)
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    attrs = re.findall(r'\b(?:title|alt|placeholder|aria-label)="([^"]*)"', text)
    text = re.sub(r"<!--.*?-->|<[^>]+>", " ", text, flags=re.S)
    leftovers = [*html.unescape(text).split(), *" ".join(attrs).split()]
    return [w for w in leftovers if re.search(r"[^\W\d_]", w) and w not in PROPER_NOUNS]


@pytest.mark.parametrize("path", END_USER_TEMPLATES, ids=lambda p: p.name)
def test_end_user_templates_mark_every_string_for_translation(path):
    words = _unmarked_text(path.read_text(encoding="utf-8"))
    assert not words, f"{path.name}: text not marked for translation: {' '.join(words)[:200]}"


def test_the_check_finds_unmarked_text():
    assert _unmarked_text('<p title="Hello">{% translate "x" %} Hi there</p>') == [
        "Hi",
        "there",
        "Hello",
    ]
    assert _unmarked_text("{% blocktranslate trimmed %}Ok {{ a }}{% endblocktranslate %}") == []


class _Req:
    def __init__(self, get=None, accept="", cookie=""):
        self.GET = get or {}
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
        self.COOKIES = {"lk_lang": cookie} if cookie else {}


class _Tenant:
    default_language = "es"


def test_language_order_ui_locales_then_accept_language_then_tenant_default():
    assert from_ui_locales("tlh ja-JP en") == "ja"
    assert language_for(_Req({"ui_locales": "fr-CA"}, accept="de"), _Tenant)[0] == "fr"
    nxt = "/t/acme/authorize?client_id=x&ui_locales=ja"
    assert language_for(_Req({"next": nxt}, accept="de"), _Tenant) == ("ja", "ja")
    assert language_for(_Req(cookie="ja", accept="de"), _Tenant)[0] == "ja"
    assert language_for(_Req(accept="da, de-AT;q=0.8"), _Tenant)[0] == "de"
    assert language_for(_Req(accept="da"), _Tenant)[0] == "es"
    assert language_for(_Req(), _Tenant)[0] == "es"


@pytest.mark.django_db
def test_browser_messages_come_translated_as_a_json_block(client, tenant):
    from django.urls import reverse

    url = reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug})
    import json

    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    block = german.split('<script id="lk-i18n" type="application/json">')[1].split("</script>")[0]
    catalog = json.loads(block)
    assert catalog["Waiting for your passkey…"] == "Warten auf Ihren Passkey …"
    assert catalog["This device already holds a passkey for this account."].startswith("Dieses")
    assert 'id="lk-i18n"' not in client.get(url).content.decode()
