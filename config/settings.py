"""The one settings module: everything is read from the environment with a working default."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    parse_bool,
    parse_database_url,
    parse_int,
    parse_list,
    parse_nameservers,
    parse_public_url,
    require_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LATCHKEY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENVIRONMENT = os.environ.get("LATCHKEY_ENV", "development").strip().lower()
if ENVIRONMENT not in ("development", "production"):
    raise ImproperlyConfigured("LATCHKEY_ENV must be development or production")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = parse_bool("DEBUG", os.environ.get("DEBUG"), default=not PRODUCTION)
SECRET_KEY = require_secret(
    "SECRET_KEY", os.environ.get("SECRET_KEY"), PRODUCTION, VAR_DIR / "secret_key"
)
# Encrypts tenant signing keys at rest; previous keys stay readable during a KEK change.
KEY_ENCRYPTION_KEY = require_secret(
    "KEY_ENCRYPTION_KEY",
    os.environ.get("KEY_ENCRYPTION_KEY"),
    PRODUCTION,
    VAR_DIR / "key_encryption_key",
)
KEY_ENCRYPTION_KEY_PREVIOUS = parse_list(os.environ.get("KEY_ENCRYPTION_KEY_PREVIOUS"), [])

if PRODUCTION and not os.environ.get("PUBLIC_URL"):
    raise ImproperlyConfigured("PUBLIC_URL must be set when LATCHKEY_ENV=production")
PUBLIC_URL = parse_public_url(os.environ.get("PUBLIC_URL"), "http://localhost:8000")
_public_host = urlsplit(PUBLIC_URL).hostname
# Our own host names. Verified custom domains are served too, so the one host check is
# tenants.resolver.HostResolverMiddleware (unknown hosts: 404) and Django's own is open.
SERVED_HOSTS = parse_list(
    os.environ.get("ALLOWED_HOSTS"),
    [_public_host, "localhost", "127.0.0.1", "[::1]", "testserver"]
    if not PRODUCTION
    else [_public_host],
)
ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]
# The portal's own WebAuthn RP ID (PUBLIC_URL's host or a parent of it), so that the browser
# never offers a tenant's end-user passkeys on the portal sign-in, nor the other way round.
PORTAL_RP_ID = os.environ.get("PORTAL_RP_ID", "").strip().lower()
if PORTAL_RP_ID and not (_public_host == PORTAL_RP_ID or _public_host.endswith("." + PORTAL_RP_ID)):
    raise ImproperlyConfigured(f"PORTAL_RP_ID must be {_public_host} or a parent domain of it")
# Reverse proxies whose X-Forwarded-* headers we believe; nothing else changes our URLs.
TRUSTED_PROXIES = parse_list(os.environ.get("TRUSTED_PROXIES"), [])
USE_X_FORWARDED_HOST = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "tenants",
    "accounts",
    "idp",
    "portal",
    # Prometheus counters fed from audit events and Celery signals (config/metrics.py).
    "config.apps.ObservabilityConfig",
]

MIDDLEWARE = [
    # Probes and /metrics answer before any session, CSRF, host or tenant work.
    "config.health.HealthMiddleware",
    # Request id, timing, metrics and the one log line per request.
    "config.requestlog.RequestObservationMiddleware",
    # First: strip forwarded headers from untrusted peers before anything reads them.
    "config.middleware.TrustedProxyMiddleware",
    # Unknown host names stop here; a verified custom domain is mapped to its tenant's IdP.
    "tenants.resolver.HostResolverMiddleware",
    # Repeated discovery/JWKS requests are answered from this process's copy, before the rest.
    "idp.wellknown.WellKnownMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.RejectUnsafeTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's, building the storage only when a request uses messages.
    "config.messages.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.resolver.TenantResolverMiddleware",
    # After the resolver: the end user's language needs the tenant (its default language).
    "idp.locale.EndUserLocaleMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.development",
            ],
        },
    },
]

DATABASES = {"default": parse_database_url(os.environ.get("DATABASE_URL"), VAR_DIR / "db.sqlite3")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL and a busy timeout let the web server and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The token endpoint's statements are prepared once per connection (tenants/prepared.py); a
# pooler in transaction mode without prepared-statement support needs this off.
DATABASE_PREPARED_STATEMENTS = parse_bool(
    "DATABASE_PREPARED_STATEMENTS", os.environ.get("DATABASE_PREPARED_STATEMENTS"), True
)

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend reusing its redis-py client (tenants/sharedcache.py).
            "BACKEND": "tenants.sharedcache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "latchkey",
            # A hung Redis must turn into a clean 503 (config/outage.py), not a stuck worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # A file cache is shared by every process on this machine, unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": "latchkey",
        }
    }

# Sessions live in PostgreSQL (the source of truth) and are read from the cache (Redis) first;
# config/sessions.py is Django's cached_db with one statement per write.
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = parse_int("SESSION_COOKIE_AGE", os.environ.get("SESSION_COOKIE_AGE"), 43200)
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION and SESSION_COOKIE_SECURE:
    # Served over https only: tell browsers so, and send plain-http visitors there.
    SECURE_HSTS_SECONDS = parse_int(
        "SECURE_HSTS_SECONDS", os.environ.get("SECURE_HSTS_SECONDS"), 31536000
    )
    SECURE_SSL_REDIRECT = parse_bool(
        "SECURE_SSL_REDIRECT", os.environ.get("SECURE_SSL_REDIRECT"), True
    )
    # The proxy terminates TLS; only a trusted proxy's X-Forwarded-Proto is believed.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# The one Content-Security-Policy of every page (config.csp): scripts and styles only from our
# own origin, no inline script or style anywhere, never framed.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
X_FRAME_OPTIONS = "DENY"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PortalUserBackend"]
LOGIN_URL = "portal:sign-in"
LOGIN_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS: list = []

LANGUAGE_CODE = "en"
# End-user (IdP) pages and emails ship in these languages; see docs/translations.md.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ja", "日本語"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The one design system (static/latchkey/) is shared by the portal and the sign-in pages.
STATICFILES_DIRS = [BASE_DIR / "static"]

# Development: unless another backend is named, mail lands in the development mailbox (var/mail),
# readable at /portal/dev/mail/. Production never has it.
DEV_MAILBOX_BACKEND = "accounts.mailbox.MailboxBackend"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if PRODUCTION else DEV_MAILBOX_BACKEND
)
if PRODUCTION and EMAIL_BACKEND == DEV_MAILBOX_BACKEND:
    raise ImproperlyConfigured("The development mailbox cannot be the EMAIL_BACKEND in production")
DEV_MAILBOX = not PRODUCTION and EMAIL_BACKEND == DEV_MAILBOX_BACKEND
DEV_MAILBOX_DIR = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = parse_int("EMAIL_PORT", os.environ.get("EMAIL_PORT"), 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = parse_bool("EMAIL_USE_TLS", os.environ.get("EMAIL_USE_TLS"), False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Latchkey <no-reply@localhost>")

# Celery: Redis when REDIS_URL is set, else a filesystem broker under var/ (no server needed).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("in", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Custom domains: the nameservers asked for ownership TXT records (empty: the system's).
DNS_NAMESERVERS = parse_nameservers(os.environ.get("DNS_NAMESERVERS"))
DNS_TIMEOUT_SECONDS = parse_int("DNS_TIMEOUT_SECONDS", os.environ.get("DNS_TIMEOUT_SECONDS"), 5)
# How often, and how long, a pending domain is checked again (back-off doubles from 60 s).
CUSTOM_DOMAIN_CHECK_RETRIES = parse_int(
    "CUSTOM_DOMAIN_CHECK_RETRIES", os.environ.get("CUSTOM_DOMAIN_CHECK_RETRIES"), 8
)

# Signing-key lifecycle (days and hours); see docs/operator-guide.md.
KEY_ROTATION_DAYS = parse_int("KEY_ROTATION_DAYS", os.environ.get("KEY_ROTATION_DAYS"), 30)
KEY_PUBLISH_AHEAD_HOURS = parse_int(
    "KEY_PUBLISH_AHEAD_HOURS", os.environ.get("KEY_PUBLISH_AHEAD_HOURS"), 24
)
KEY_RETIRE_GRACE_HOURS = parse_int(
    "KEY_RETIRE_GRACE_HOURS", os.environ.get("KEY_RETIRE_GRACE_HOURS"), 24
)

ID_TOKEN_LIFETIME = parse_int("ID_TOKEN_LIFETIME", os.environ.get("ID_TOKEN_LIFETIME"), 3600)
ACCESS_TOKEN_LIFETIME = parse_int(
    "ACCESS_TOKEN_LIFETIME", os.environ.get("ACCESS_TOKEN_LIFETIME"), 3600
)

OAUTH2_PROVIDER_APPLICATION_MODEL = "tenants.OIDCClient"


def _pkce_required(client_id):
    # DOT only calls PKCE_REQUIRED; importing the IdP here would load models too early.
    from django.utils.module_loading import import_string

    return import_string("idp.validators.pkce_required")(client_id)


OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # Every tenant is its own issuer; the validator and the views build URLs from PUBLIC_URL.
    "OAUTH2_VALIDATOR_CLASS": "idp.validators.TenantValidator",
    "OAUTH2_BACKEND_CLASS": "idp.validators.TenantOAuthLibCore",
    # Public clients must use PKCE; confidential ones may (and are then held to it).
    "PKCE_REQUIRED": _pkce_required,
    # DOT has no "allowed methods" list: this refuses `plain`, so only S256 remains.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_LIFETIME,
    # One urandom call per token instead of oauthlib's one per character (docs/performance.md).
    "ACCESS_TOKEN_GENERATOR": "idp.validators.bearer_token_generate",
    "REFRESH_TOKEN_GENERATOR": "idp.validators.bearer_token_generate",
    "ID_TOKEN_EXPIRE_SECONDS": ID_TOKEN_LIFETIME,
    "SCOPES": {
        "openid": "OpenID Connect sign-in",
        "profile": "Your name",
        "email": "Your email address",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code", "id_token"],
    # The legacy Azure AD B2C set-up uses the implicit id_token flow; keep it available.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": False,
    # RFC 9700: tokens stored as digests only, bearer tokens only in the Authorization header,
    # no password grant. Deploy checks treat weaker refresh/redirect settings as errors.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    # The authorize view adds the per-tenant `iss` itself (DOT's would be one global issuer).
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": False,
    # Registered URLs are compared exactly by tenants.oidc.redirects (the one rule set).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "REQUEST_APPROVAL_PROMPT": "auto",
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}

REST_FRAMEWORK = {
    # Personal API tokens and the portal session, for every endpoint.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, and a body too deeply nested for the parser is a 400 (never a 500).
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Latchkey API",
    "DESCRIPTION": "Manage tenants, OIDC settings, client secrets, members and audit events.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Self-hosted: the docs UI is served from our static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Portal sign-up and sign-in links.
EMAIL_LINK_TTL_SECONDS = parse_int(
    "EMAIL_LINK_TTL_SECONDS", os.environ.get("EMAIL_LINK_TTL_SECONDS"), 900
)
WEBAUTHN_CHALLENGE_TTL_SECONDS = 300

# Observability: JSON-lines logs (one line per request), and /metrics behind a bearer token.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
REQUEST_LOG = parse_bool("REQUEST_LOG", os.environ.get("REQUEST_LOG"), LOG_FORMAT == "json")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()

_REDACTED = {"filters": ["redact_secrets"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "config.logging.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.requestlog.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Logger-level filters too, so that every handler (not only ours) gets redacted records.
    "loggers": {
        "django.request": _REDACTED,
        "django.server": _REDACTED,
        "django.security.csrf": _REDACTED,
        # oauthlib and DOT log codes and tokens at DEBUG; never let those records exist.
        "oauthlib": {"level": "INFO"},
        "oauth2_provider": {"level": "INFO"},
    },
}

# Email is unique per realm (portal or tenant), enforced by constraints; our backend handles it.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# How long relying parties may cache JWKS and discovery; kept below the key lead time so a
# next key is always fetched before it signs (checked at start-up).
JWKS_CACHE_SECONDS = parse_int("JWKS_CACHE_SECONDS", os.environ.get("JWKS_CACHE_SECONDS"), 3600)
# How long each web process answers discovery/JWKS from its own copy of the last response
# (no database or Redis); 0 turns the copy off (the default in development, so edits show).
# How long each web process may keep a tenant it has read; any tenant change drops every
# process's copies at once (tenants/cache.py). 0 (development's default) reads the row each time.
TENANT_PROCESS_CACHE_SECONDS = parse_int(
    "TENANT_PROCESS_CACHE_SECONDS",
    os.environ.get("TENANT_PROCESS_CACHE_SECONDS"),
    60 if PRODUCTION else 0,
)
WELL_KNOWN_PROCESS_CACHE_SECONDS = parse_int(
    "WELL_KNOWN_PROCESS_CACHE_SECONDS",
    os.environ.get("WELL_KNOWN_PROCESS_CACHE_SECONDS"),
    10 if PRODUCTION else 0,
)
if JWKS_CACHE_SECONDS >= KEY_PUBLISH_AHEAD_HOURS * 3600:
    raise ImproperlyConfigured("JWKS_CACHE_SECONDS must be shorter than KEY_PUBLISH_AHEAD_HOURS")

# Periodic jobs (run `celery -A config beat`, or `worker --beat` with one worker). The rotation
# pass is idempotent and cheap when nothing is due, so running it hourly only bounds how late
# a rotation may happen; see docs/key-rotation.md.
CELERY_BEAT_SCHEDULE = {
    "rotate-signing-keys": {
        "task": "tenants.rotate_all_keys",
        "schedule": float(
            parse_int(
                "KEY_ROTATION_CHECK_SECONDS", os.environ.get("KEY_ROTATION_CHECK_SECONDS"), 3600
            )
        ),
    },
    "delete-expired-records": {
        "task": "tenants.delete_expired_records",
        "schedule": 3600.0,
    },
    "purge-authorization-codes": {
        "task": "idp.purge_authorization_codes",
        "schedule": 3600.0,
    },
}
