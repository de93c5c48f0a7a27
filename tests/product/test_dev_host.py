"""Development sends other host names to PUBLIC_URL's host; production is unaffected."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_URL = "http://localhost:8000"
    settings.ENVIRONMENT = "development"


def test_development_redirects_127_0_0_1_to_localhost(client):
    response = client.get("/portal/sign-in/?next=/portal/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 302
    assert response["Location"] == "http://localhost:8000/portal/sign-in/?next=/portal/"


def test_development_redirects_unknown_hosts_too_and_keeps_post(client):
    response = client.post("/portal/sign-in/link/", {"email": "a@b.c"}, HTTP_HOST="lan.box:8000")
    assert response.status_code == 307
    assert response["Location"] == "http://localhost:8000/portal/sign-in/link/"


def test_development_serves_public_url_host(client):
    assert client.get("/portal/sign-in/", HTTP_HOST="localhost:8000").status_code == 200


def test_production_is_unaffected(client, settings):
    settings.ENVIRONMENT = "production"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    response = client.get("/portal/sign-in/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
