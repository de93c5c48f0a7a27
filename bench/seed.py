"""Create the benchmark's tenants and relying party in the stack's database; print them as JSON.

Run as `python -m bench.seed` with the stack's environment.
"""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from tests import factories  # noqa: E402
from tests.idp.oidc_support import make_rp  # noqa: E402

REDIRECT_URI = "https://rp.example.com/cb"


def main() -> None:
    """Two tenants (email proof off and on) with OIDC on, and one confidential client."""
    opened = factories.tenant(
        slug="bench", oidc_enabled=True, require_email_verification=False
    )
    proof = factories.tenant(
        slug="bench-proof", oidc_enabled=True, require_email_verification=True
    )
    rp = make_rp(opened, redirect_uri=REDIRECT_URI)
    print(
        json.dumps(
            {
                "tenant": opened.slug,
                "proof_tenant": proof.slug,
                "client_id": rp.client_id,
                "client_secret": rp.secret,
                "redirect_uri": REDIRECT_URI,
            }
        )
    )


if __name__ == "__main__":
    main()
