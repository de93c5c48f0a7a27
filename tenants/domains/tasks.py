"""Celery task: check a custom domain's TXT record, retried with back-off while it is pending."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from tenants.domains.services import custom_domain_check

FIRST_RETRY_SECONDS = 60


@shared_task(name="tenants.verify_custom_domain", bind=True, max_retries=None)
def verify_custom_domain(self, domain_id: int) -> str:
    """Fetch the domain by id, check it, and retry (60 s, 120 s, …) until verified or failed."""
    attempts_left = settings.CUSTOM_DOMAIN_CHECK_RETRIES - self.request.retries
    domain = custom_domain_check(domain_id=domain_id, final_attempt=attempts_left <= 0)
    if domain is None:
        return "gone"
    if domain.state == domain.State.PENDING:
        raise self.retry(countdown=FIRST_RETRY_SECONDS * 2**self.request.retries)
    return domain.state
