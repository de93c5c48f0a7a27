"""Ownership checks ask a real DNS server on loopback, as an operator's DNS_NAMESERVERS would."""

import pytest
from celery.exceptions import Retry

from tenants.audit import AuditEvent
from tenants.domains.dns_check import challenge_name, challenge_value, lookup_txt
from tenants.domains.models import CustomDomain
from tenants.domains.names import DomainNameError
from tenants.domains.services import custom_domain_add, custom_domain_check, custom_domain_remove
from tenants.domains.tasks import verify_custom_domain
from tests import factories
from tests.support.dns_server import dns_server


@pytest.fixture
def zone(settings):
    with dns_server() as (resolver, port):
        settings.DNS_NAMESERVERS = [("127.0.0.1", port)]
        settings.DNS_TIMEOUT_SECONDS = 2
        yield resolver


@pytest.fixture
def admin(tenant):
    return factories.membership(tenant=tenant, role="read_write").user


def test_lookup_reads_txt_from_the_configured_nameserver(zone):
    zone.txt["_latchkey-challenge.login.contoso.test"] = ["v=spf1", "latchkey-verification=abc"]
    found = lookup_txt("_latchkey-challenge.login.contoso.test")
    assert found.values == ("v=spf1", "latchkey-verification=abc")
    assert zone.queries == ["_latchkey-challenge.login.contoso.test"]


def test_lookup_tells_missing_from_broken(zone):
    assert "does not exist" in lookup_txt("_latchkey-challenge.nowhere.test").problem
    zone.broken.add("_latchkey-challenge.broken.test")
    broken = lookup_txt("_latchkey-challenge.broken.test")
    assert broken.temporary and broken.values == ()


def test_domain_verified_by_its_txt_record_and_audited(
    zone, tenant, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        domain = custom_domain_add(tenant=tenant, actor=admin, hostname="Login.Contoso.test")
    assert domain.hostname == "login.contoso.test" and domain.state == "pending"
    assert len(queued) == 1
    zone.txt[challenge_name(domain.hostname)] = [challenge_value(domain.verification_token)]
    assert verify_custom_domain.apply(args=[domain.pk]).get() == "verified"
    domain.refresh_from_db()
    assert domain.is_verified and domain.verified_at is not None
    actions = list(
        AuditEvent.objects.filter(tenant=tenant).order_by("id").values_list("action", flat=True)
    )
    assert actions[-2:] == ["custom_domain.added", "custom_domain.verified"]


def test_wrong_record_keeps_pending_then_fails_with_the_reason(zone, tenant, admin):
    domain = custom_domain_add(tenant=tenant, actor=admin, hostname="login.contoso.test")
    zone.txt[challenge_name(domain.hostname)] = ["latchkey-verification=someone-else"]
    checked = custom_domain_check(domain_id=domain.pk, final_attempt=False)
    assert checked.state == "pending" and "none is latchkey-verification=" in checked.failure_reason
    checked = custom_domain_check(domain_id=domain.pk, final_attempt=True)
    assert checked.state == "failed" and checked.check_count == 2
    assert AuditEvent.objects.filter(action="custom_domain.failed", tenant=tenant).count() == 1


def test_task_retries_with_back_off_while_pending(zone, tenant, admin):
    domain = custom_domain_add(tenant=tenant, actor=admin, hostname="login.contoso.test")
    with pytest.raises(Retry) as retry:
        verify_custom_domain.apply(args=[domain.pk], throw=True)
    assert retry.value.when == 60


def test_claims_are_unique_and_names_checked(tenant, other_tenant, admin, settings):
    settings.PUBLIC_URL = "https://id.example.com"
    custom_domain_add(tenant=tenant, actor=admin, hostname="login.contoso.test")
    with pytest.raises(DomainNameError, match="already claimed"):
        custom_domain_add(tenant=other_tenant, actor=None, hostname="LOGIN.contoso.test.")
    for bad in ("id.example.com", "co.uk", "127.0.0.1"):
        with pytest.raises(DomainNameError):
            custom_domain_add(tenant=tenant, actor=admin, hostname=bad)
    assert CustomDomain.objects.count() == 1


def test_removal_is_audited_and_drops_the_issuer_choice(tenant, admin):
    client = factories.client(tenant=tenant)
    domain = custom_domain_add(tenant=tenant, actor=admin, hostname="login.contoso.test")
    CustomDomain.objects.filter(pk=domain.pk).update(
        state="verified", verified_at="2026-01-01T00:00Z"
    )
    type(client).objects.filter(pk=client.pk).update(use_custom_domain_issuer=True)
    custom_domain_remove(domain=domain, actor=admin)
    client.refresh_from_db()
    assert not client.use_custom_domain_issuer
    assert not CustomDomain.objects.exists()
    assert AuditEvent.objects.filter(action="custom_domain.removed", tenant=tenant).count() == 1
