"""Parse settings from the environment; every value has a working default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def parse_bool(name: str, value: str | None, default: bool) -> bool:
    """Read a boolean flag such as DEBUG=true."""
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def parse_list(value: str | None, default: list[str]) -> list[str]:
    """Read a comma-separated list."""
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_int(name: str, value: str | None, default: int) -> int:
    """Read a whole number."""
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


def parse_database_url(url: str | None, sqlite_path: Path) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry (SQLite file by default)."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    parts = urlsplit(url)
    if parts.scheme in ("sqlite", "sqlite3"):
        path = unquote(parts.path)
        if path.startswith("//"):
            path = path[1:]
        else:
            path = path.lstrip("/") or str(sqlite_path)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or sqlite://, got scheme {parts.scheme!r}"
        )
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    # Parameters travel apart from the SQL and psycopg prepares a statement from its fifth use
    # on a connection, so PostgreSQL parses and plans each statement once per connection
    # instead of once per execution (docs/performance.md). A pooler that cannot keep
    # prepared statements (PgBouncer in transaction mode before 1.21) needs
    # DATABASE_PREPARED_STATEMENTS=false.
    prepared = parse_bool(
        "DATABASE_PREPARED_STATEMENTS", os.environ.get("DATABASE_PREPARED_STATEMENTS"), True
    )
    binding = {"server_side_binding": True, "prepare_threshold": 5 if prepared else None}
    return {
        "ENGINE": "config.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 600,
        # A per-request `SELECT 1` costs a round trip on every request; without it a
        # connection broken by a database restart fails one request per worker, which Django
        # then closes and replaces (docs/performance.md). DATABASE_HEALTH_CHECKS=true restores it.
        "CONN_HEALTH_CHECKS": parse_bool(
            "DATABASE_HEALTH_CHECKS", os.environ.get("DATABASE_HEALTH_CHECKS"), False
        ),
        "OPTIONS": {**binding, **options},
    }


def parse_public_url(value: str | None, default: str) -> str:
    """Validate PUBLIC_URL: an absolute http(s) URL without a trailing slash."""
    url = (value or default).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"PUBLIC_URL must be an absolute http(s) URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ImproperlyConfigured("PUBLIC_URL must not have a query or fragment")
    return url


def read_or_create_secret(path: Path, nbytes: int = 48) -> str:
    """Return a development secret stored in var/, creating it on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(nbytes)
    path.write_text(value)
    path.chmod(0o600)
    return value


def require_secret(name: str, value: str | None, production: bool, dev_path: Path) -> str:
    """Return a secret from the environment; in production a missing one stops start-up."""
    if value:
        return value
    if production:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (production mode)")
    return read_or_create_secret(dev_path)


def parse_nameservers(value: str | None) -> list[tuple[str, int]]:
    """Read DNS_NAMESERVERS: "10.0.0.2,127.0.0.1:5353" → [(address, port)]; empty = system's."""
    servers = []
    for item in parse_list(value, []):
        address, port = item, 53
        if item.startswith("["):
            address, _, rest = item[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else 53
        elif item.count(":") == 1:
            address, _, port_text = item.partition(":")
            if not port_text.isdigit():
                raise ImproperlyConfigured(f"DNS_NAMESERVERS has an invalid port in {item!r}")
            port = int(port_text)
        servers.append((address, port))
    return servers
