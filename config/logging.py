"""Log filters that keep bearer secrets (emailed-link tokens in URL paths) out of the logs."""

import logging
import re

# Paths that carry a single-use token: the portal's emailed links and the IdP's email links.
SECRET_PATHS = [
    re.compile(r"(/portal/link/)[^/\s\"']+"),
    re.compile(r"(/sign-in/email/[^/\s\"']+/)[^/\s\"']+"),
]
# Query parameters that carry secrets, should a URL with a query ever be logged.
SECRET_PARAMS = re.compile(
    r"((?:code|access_token|refresh_token|id_token|id_token_hint|client_secret|token)=)[^&\s\"']+"
)


def redact(text: str) -> str:
    """Replace link tokens and secret query values with [redacted]."""
    for pattern in SECRET_PATHS:
        text = pattern.sub(r"\1[redacted]", text)
    return SECRET_PARAMS.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    """Rewrite a record's message and arguments through `redact` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True
