"""Create the drill's tenants, relying parties and an admin API token; print them as JSON.

Run as `python -m reliability.seed N` with the stack's environment (its output holds secrets:
the harness keeps it in memory and only ever looks for those values in the logs).
"""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from portal.api.tokens import api_token_create  # noqa: E402
from tests import factories  # noqa: E402
from tests.idp.oidc_support import make_rp  # noqa: E402

REDIRECT_URI = "https://rp.example.com/cb"


def main(count: int) -> None:
    """`count` tenants with OIDC on and no email proof, one confidential client each."""
    admin = factories.portal_user(email="drill-admin@example.com")
    tenants = []
    for n in range(count):
        tenant = factories.tenant(
            slug=f"drill-{chr(ord('a') + n)}", oidc_enabled=True, require_email_verification=False
        )
        factories.membership(tenant=tenant, user=admin, role="read_write")
        rp = make_rp(tenant, redirect_uri=REDIRECT_URI)
        tenants.append(
            {
                "slug": tenant.slug,
                "client_id": rp.client_id,
                "client_secret": rp.secret,
                "redirect_uri": REDIRECT_URI,
            }
        )
    _row, api_token = api_token_create(user=admin, name="reliability drill")
    # The API fuzzer's admin sees only a tenant of its own, so it cannot touch the drill's.
    fuzz_admin = factories.portal_user(email="fuzz-admin@example.com")
    fuzz_tenant = factories.tenant(slug="drill-fuzz", oidc_enabled=True)
    factories.membership(tenant=fuzz_tenant, user=fuzz_admin, role="read_write")
    _row, fuzz_token = api_token_create(user=fuzz_admin, name="reliability fuzz")
    print(json.dumps({"tenants": tenants, "api_token": api_token, "fuzz_api_token": fuzz_token}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
