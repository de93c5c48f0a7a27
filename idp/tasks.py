"""Periodic IdP jobs."""

from celery import shared_task

from idp.oidc_services import authorization_codes_purge


@shared_task(name="idp.purge_authorization_codes")
def purge_authorization_codes() -> int:
    """Delete authorization-code records long past their expiry; returns how many."""
    return authorization_codes_purge()
