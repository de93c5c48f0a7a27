"""Request hygiene: NUL and lone surrogates are refused clearly; real text passes."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_nul_in_a_query_is_a_400_page_for_browsers(client):
    response = client.get("/portal/", {"q": "a\x00b"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 400
    assert b"not allowed" in response.content


def test_nul_at_the_token_endpoint_is_an_oauth_error(client, tenant):
    response = client.post(f"/t/{tenant.slug}/token", {"grant_type": "x\x00"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response["Cache-Control"] == "no-store"


def test_nul_in_the_path_is_a_404(client):
    assert client.get("/t/a%00b/").status_code == 404


def test_lone_surrogate_in_json_is_refused(client):
    body = '{"email": "\\ud800@example.com"}'
    response = client.post("/portal/", body, content_type="application/json")
    assert response.status_code == 400
    assert "not allowed" in response.json()["error"]


def test_a_surrogate_pair_is_ordinary_text(client, tenant):
    # An emoji written as a JSON escape pair must reach the view untouched.
    body = '{"email": "\\ud83d\\ude00@example.com"}'
    url = reverse("idp:signin-options", kwargs={"tenant_slug": tenant.slug})
    response = client.post(url, body, content_type="application/json")
    assert "not allowed" not in response.content.decode()
