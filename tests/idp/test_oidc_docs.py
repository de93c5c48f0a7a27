"""The Azure AD B2C guide: its XML is well formed and its table matches the discovery document."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.urls import reverse

from tests.idp.oidc_support import oidc_tenant

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "azure-ad-b2c.md"


def test_custom_policy_xml_is_well_formed():
    blocks = re.findall(r"```xml\n(.*?)```", GUIDE.read_text(), re.S)
    assert blocks
    for block in blocks:
        root = ET.fromstring(block)
        items = {i.get("Key"): i.text for i in root.iter("Item")}
        assert items["response_mode"] == "form_post"
        assert items["token_endpoint_auth_method"] == "client_secret_post"


@pytest.mark.django_db
def test_guide_lists_what_discovery_advertises(client):
    tenant = oidc_tenant()
    doc = client.get(reverse("idp:oidc-discovery", kwargs={"tenant_slug": tenant.slug})).json()
    text = GUIDE.read_text()
    for key in (
        "response_types_supported",
        "response_modes_supported",
        "token_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
        "scopes_supported",
        "prompt_values_supported",
    ):
        for value in doc[key]:
            assert f"`{value}`" in text, (key, value)
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        suffix = doc[key].removeprefix(doc["issuer"])
        assert f"`{{PUBLIC_URL}}/t/{{slug}}{suffix}`" in text, key
