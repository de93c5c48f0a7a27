"""Look up a domain's ownership TXT record with dnspython, asking the configured nameservers."""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings

TXT_PREFIX = "_latchkey-challenge"
TXT_VALUE_PREFIX = "latchkey-verification="


@dataclass(frozen=True)
class TxtLookup:
    """What the nameservers said: the TXT strings, or why there are none."""

    values: tuple[str, ...]
    problem: str = ""
    temporary: bool = False


def challenge_name(hostname: str) -> str:
    """The DNS name that carries the ownership record for hostname."""
    return f"{TXT_PREFIX}.{hostname}"


def challenge_value(token: str) -> str:
    """The TXT record's text for a verification token."""
    return f"{TXT_VALUE_PREFIX}{token}"


def _resolver() -> dns.resolver.Resolver:
    servers = settings.DNS_NAMESERVERS
    if not servers:
        return dns.resolver.Resolver(configure=True)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [
        dns.nameserver.Do53Nameserver(address, port) for address, port in servers
    ]
    return resolver


def lookup_txt(name: str) -> TxtLookup:
    """TXT strings at name; a missing record is final, a timeout or SERVFAIL is temporary."""
    resolver = _resolver()
    resolver.lifetime = settings.DNS_TIMEOUT_SECONDS
    try:
        answer = resolver.resolve(name, "TXT", search=False)
    except dns.resolver.NXDOMAIN:
        return TxtLookup((), f"{name} does not exist in DNS yet.")
    except dns.resolver.NoAnswer:
        return TxtLookup((), f"{name} has no TXT record yet.")
    except (dns.resolver.NoNameservers, dns.exception.Timeout) as exc:
        return TxtLookup(
            (),
            f"The nameservers did not answer for {name} ({exc.__class__.__name__}).",
            temporary=True,
        )
    values = tuple(b"".join(record.strings).decode("utf-8", "replace") for record in answer)
    return TxtLookup(values)
