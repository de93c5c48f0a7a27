"""RP ID, custom host name and related-origin rules against the public suffix list."""

import pytest

from tenants.domains.names import (
    DomainNameError,
    canonical_origin,
    validate_custom_hostname,
    validate_related_origins,
    validate_rp_id,
)


@pytest.mark.parametrize(
    ("rp_id", "host", "expected"),
    [
        ("contoso.com", "login.contoso.com", "contoso.com"),
        ("login.contoso.com", "login.contoso.com", "login.contoso.com"),
        ("CONTOSO.Com", "login.contoso.com", "contoso.com"),
        ("contoso.com.", "login.contoso.com", "contoso.com"),
        ("contoso.com", "LOGIN.CONTOSO.COM.", "contoso.com"),
        ("bücher.de", "login.bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "login.BÜCHER.de", "xn--bcher-kva.de"),
        ("contoso.co.uk", "a.b.contoso.co.uk", "contoso.co.uk"),
        ("contoso.test", "login.contoso.test", "contoso.test"),
        ("localhost", "localhost", "localhost"),
    ],
)
def test_rp_id_accepted_in_canonical_form(rp_id, host, expected):
    assert validate_rp_id(rp_id, host=host) == expected


@pytest.mark.parametrize(
    ("rp_id", "host", "words"),
    [
        ("com", "login.contoso.com", "public suffix"),
        ("co.uk", "login.contoso.co.uk", "public suffix"),
        ("github.io", "contoso.github.io", "public suffix"),
        ("fabrikam.com", "login.contoso.com", "parent domain"),
        ("evilcontoso.com", "login.contoso.com", "parent domain"),
        ("login.contoso.com", "contoso.com", "parent domain"),
        ("127.0.0.1", "127.0.0.1", "IP address"),
        ("[::1]", "localhost", "domain name only"),
        ("::1", "localhost", "domain name only"),
        ("contoso.com:443", "login.contoso.com", "domain name only"),
        ("https://contoso.com", "login.contoso.com", "domain name only"),
        ("", "login.contoso.com", "Enter a domain name"),
        ("xn--zz.com", "login.contoso.com", "not a valid domain name"),
    ],
)
def test_rp_id_refused_with_a_reason(rp_id, host, words):
    with pytest.raises(DomainNameError, match=words):
        validate_rp_id(rp_id, host=host)


def test_public_suffix_refusal_suggests_the_registrable_domain():
    with pytest.raises(DomainNameError, match="Use contoso.com"):
        validate_rp_id("com", host="login.contoso.com")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Login.Contoso.COM.", "login.contoso.com"), ("münchen.example", "xn--mnchen-3ya.example")],
)
def test_custom_hostname_canonical(value, expected):
    assert validate_custom_hostname(value) == expected


@pytest.mark.parametrize("value", ["com", "co.uk", "localhost", "10.0.0.1", "a.com:8443"])
def test_custom_hostname_refused(value):
    with pytest.raises(DomainNameError):
        validate_custom_hostname(value)


def test_custom_hostname_cannot_be_the_service_itself():
    with pytest.raises(DomainNameError, match="own address"):
        validate_custom_hostname("id.example.com", reserved=("id.example.com",))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://WWW.Contoso.com", "https://www.contoso.com"),
        ("https://www.contoso.com/", "https://www.contoso.com"),
        ("https://www.contoso.com:443", "https://www.contoso.com"),
        ("https://www.contoso.com:8443", "https://www.contoso.com:8443"),
        ("http://localhost:8000", "http://localhost:8000"),
    ],
)
def test_origin_canonical(value, expected):
    assert canonical_origin(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://www.contoso.com",
        "www.contoso.com",
        "https://www.contoso.com/path",
        "https://1.2.3.4",
    ],
)
def test_origin_refused(value):
    with pytest.raises(DomainNameError):
        canonical_origin(value)


def test_related_origins_deduplicated_and_bounded():
    assert validate_related_origins(
        ["https://www.contoso.com", "https://WWW.contoso.com/"], rp_id="contoso.com"
    ) == ["https://www.contoso.com"]
    with pytest.raises(DomainNameError, match="at most"):
        validate_related_origins([f"https://s{i}.contoso.com" for i in range(21)], rp_id="x.com")
