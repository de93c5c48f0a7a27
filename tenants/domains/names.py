"""Rules for host names, WebAuthn RP IDs and related and embedding origins (public suffix list)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

import idna
from publicsuffixlist import PublicSuffixList

MAX_RELATED_ORIGINS = 20
MAX_IFRAME_ORIGINS = 20


class DomainNameError(ValueError):
    """A name that cannot be used; the message says why, in plain words; `field` says where."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    # The list ships inside the package: no network at run time.
    return PublicSuffixList()


def canonical_host(value: str) -> str:
    """Lower-case ASCII (punycode) form of a host name; one trailing dot is dropped."""
    name = (value or "").strip()
    if not name:
        raise DomainNameError("Enter a domain name, such as login.example.com.")
    if any(ch in name for ch in ":/@?#[] "):
        raise DomainNameError(
            "Enter a domain name only, without https://, a port or a path "
            "(for example login.example.com)."
        )
    if name.endswith("."):
        name = name[:-1]
    if _is_ip_address(name):
        raise DomainNameError("An IP address cannot be used here: enter a domain name.")
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise DomainNameError(f"{value!r} is not a valid domain name.") from exc
    if len(ascii_name) > 253:
        raise DomainNameError(f"{value!r} is not a valid domain name.")
    return ascii_name.lower()


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return name.replace(".", "").isdigit()
    return True


def is_public_suffix(host: str) -> bool:
    """True for names anyone can register under, such as com, co.uk or github.io."""
    return host != "localhost" and _suffixes().is_public(host)


def registrable_domain(host: str) -> str | None:
    """The domain a registrant owns (login.contoso.com → contoso.com)."""
    return _suffixes().privatesuffix(host)


def validate_custom_hostname(value: str, *, reserved: tuple[str, ...] = ()) -> str:
    """Canonical form of a host a tenant wants to serve sign-in on, or a DomainNameError."""
    host = canonical_host(value)
    if host == "localhost" or is_public_suffix(host):
        raise DomainNameError(f"{host} is a public suffix; use a domain that you own.")
    if host in reserved:
        raise DomainNameError(f"{host} is this service's own address and cannot be claimed.")
    return host


def validate_rp_id(value: str, *, host: str) -> str:
    """Canonical RP ID for pages served on host: host itself or a registrable parent of it."""
    rp_id = canonical_host(value)
    host = canonical_host(host)
    if is_public_suffix(rp_id):
        suggestion = registrable_domain(host) or host
        raise DomainNameError(
            f"{rp_id} is a public suffix: browsers refuse it as an RP ID. Use {suggestion}."
        )
    if rp_id != host and not host.endswith("." + rp_id):
        raise DomainNameError(
            f"{rp_id} is neither {host} nor a parent domain of it, so browsers would refuse "
            "passkeys for it on this sign-in page."
        )
    return rp_id


def canonical_origin(value: str) -> str:
    """An origin as browsers write it: scheme://host[:port], https except for localhost."""
    raw = (value or "").strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DomainNameError(f"{raw!r} is not an origin such as https://www.example.com.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise DomainNameError(f"{raw!r} must be an origin only, without a path or query.")
    host = canonical_host(parts.hostname)
    if parts.scheme == "http" and host != "localhost":
        raise DomainNameError(f"{raw!r} must use https.")
    try:
        port = parts.port
    except ValueError as exc:
        raise DomainNameError(f"{raw!r} has an invalid port.") from exc
    default = 443 if parts.scheme == "https" else 80
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{host}{suffix}"


def _origin_list(values: list[str], *, most: int, too_many: str) -> list[str]:
    """Canonical, de-duplicated origins, at most `most` of them."""
    origins: list[str] = []
    for value in values:
        origin = canonical_origin(value)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > most:
        raise DomainNameError(too_many)
    return origins


def validate_related_origins(values: list[str], *, rp_id: str) -> list[str]:
    """Canonical, de-duplicated related origins (WebAuthn L3 §5.11) for an RP ID."""
    return _origin_list(
        values,
        most=MAX_RELATED_ORIGINS,
        too_many=f"List at most {MAX_RELATED_ORIGINS} related origins.",
    )


def validate_iframe_origins(values: list[str]) -> list[str]:
    """Canonical, de-duplicated origins of the pages allowed to frame the sign-in pages."""
    return _origin_list(
        values, most=MAX_IFRAME_ORIGINS, too_many=f"List at most {MAX_IFRAME_ORIGINS} sites."
    )


def origin_host(origin: str) -> str:
    """The host name of an origin."""
    return urlsplit(origin).hostname or ""
