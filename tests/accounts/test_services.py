"""Account services: atomic, audited, policy-aware, and refusing what they must."""

import pytest
from django.core import mail
from django.utils import timezone

from accounts.email_links import LinkInvalid
from accounts.models import AccessRequest, EmailLink, Membership, WebAuthnCredential
from accounts.services import (
    PolicyViolation,
    ServiceError,
    access_request_create,
    access_request_resolve,
    domain_policy_allows,
    membership_assign,
    membership_remove,
    membership_role_change,
    parse_domains,
    passkey_remove,
    passkey_rename,
    portal_sign_in_link_complete,
    portal_signup_complete,
    portal_signup_start,
    tenant_email_domains_change,
)
from tenants.audit import AuditEvent
from tests import factories
from tests.portal.helpers import LINK_RE

pytestmark = pytest.mark.django_db


def _token():
    return LINK_RE.search(mail.outbox[-1].body).group("token")


def test_signup_creates_the_user_only_when_the_link_is_used(mailoutbox):
    portal_signup_start(email=" Zoe@Example.com ", given_name="Zoe", family_name="Q")
    assert EmailLink.objects.get().email == "zoe@example.com"
    user = portal_signup_complete(token=_token())
    assert user.email == "zoe@example.com" and user.given_name == "Zoe"
    assert user.email_verified and user.tenant_id is None and not user.is_staff
    assert not user.memberships.exists()
    assert AuditEvent.objects.filter(action="portal.signup_completed", actor=user).exists()


def test_signup_link_cannot_sign_in_and_vice_versa(mailoutbox):
    portal_signup_start(email="a@example.com")
    with pytest.raises(LinkInvalid):
        portal_sign_in_link_complete(token=_token())
    user = factories.portal_user(email="b@example.com")
    portal_signup_start(email=user.email)  # existing account: a sign-in link is sent
    assert "already have an account" in mail.outbox[-1].body
    with pytest.raises(LinkInvalid):
        portal_signup_complete(token=_token())
    assert portal_sign_in_link_complete(token=_token()) == user


def test_sign_in_link_verifies_the_email(mailoutbox):
    from accounts.services import portal_sign_in_link_request

    user = factories.portal_user(email="c@example.com")
    assert not user.email_verified
    portal_sign_in_link_request(email="C@example.com")
    assert portal_sign_in_link_complete(token=_token()).email_verified


def test_policy_counts_only_verified_emails(tenant):
    tenant.allowed_email_domains = ["contoso.com"]
    unverified = factories.portal_user(email="u@contoso.com")
    verified = factories.portal_user(email="v@contoso.com", email_verified_at=timezone.now())
    elsewhere = factories.portal_user(email="w@fabrikam.com", email_verified_at=timezone.now())
    assert not domain_policy_allows(tenant=tenant, user=unverified)
    assert domain_policy_allows(tenant=tenant, user=verified)
    assert not domain_policy_allows(tenant=tenant, user=elsewhere)
    tenant.allowed_email_domains = []
    assert domain_policy_allows(tenant=tenant, user=unverified)


def test_subdomains_do_not_match(tenant):
    tenant.allowed_email_domains = ["contoso.com"]
    user = factories.portal_user(email="x@evil-contoso.com", email_verified_at=timezone.now())
    sub = factories.portal_user(email="y@mail.contoso.com", email_verified_at=timezone.now())
    assert not domain_policy_allows(tenant=tenant, user=user)
    assert not domain_policy_allows(tenant=tenant, user=sub)


def test_role_change_refuses_without_override_and_records_it(tenant, support_user):
    tenant_email_domains_change(
        tenant=tenant, domains=["contoso.com"], actor=support_user, reason="policy"
    )
    tenant.refresh_from_db()
    member = factories.membership(
        tenant=tenant,
        user=factories.portal_user(email="m@gmail.com", email_verified_at=timezone.now()),
    )
    with pytest.raises(PolicyViolation):
        membership_role_change(membership=member, role="read_write", actor=support_user, reason="r")
    member.refresh_from_db()
    assert member.role == "read_only"
    membership_role_change(
        membership=member, role="read_write", actor=support_user, reason="r", override=True
    )
    event = AuditEvent.objects.get(action="membership.elevated")
    assert event.details["override"] is True and event.details["reason"] == "r"


def test_only_support_staff_may_change_memberships(tenant):
    admin = factories.membership(tenant=tenant, role="read_write").user
    member = factories.membership(tenant=tenant)
    with pytest.raises(ServiceError):
        membership_role_change(membership=member, role="read_write", actor=admin, reason="r")
    with pytest.raises(ServiceError):
        membership_remove(membership=member, actor=admin, reason="r")
    with pytest.raises(ServiceError):
        membership_assign(
            user=factories.portal_user(), tenant=tenant, role="read_only", actor=admin, reason="r"
        )


def test_assign_refuses_staff_end_users_and_duplicates(tenant, support_user):
    with pytest.raises(ServiceError):
        membership_assign(
            user=support_user, tenant=tenant, role="read_only", actor=support_user, reason="r"
        )
    end_user = factories.end_user(tenant=tenant)
    with pytest.raises(ServiceError):
        membership_assign(
            user=end_user, tenant=tenant, role="read_only", actor=support_user, reason="r"
        )
    member = factories.membership(tenant=tenant)
    with pytest.raises(ServiceError):
        membership_assign(
            user=member.user, tenant=tenant, role="read_only", actor=support_user, reason="r"
        )


def test_remove_closes_pending_requests(tenant, support_user):
    member = factories.membership(tenant=tenant)
    access_request_create(user=member.user, tenant=tenant, reason="please")
    membership_remove(membership=member, actor=support_user, reason="left")
    assert AccessRequest.objects.get().status == "denied"
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_access_request_approve_elevates_with_policy(tenant, support_user):
    tenant.allowed_email_domains = ["contoso.com"]
    tenant.save()
    member = factories.membership(
        tenant=tenant,
        user=factories.portal_user(email="p@other.org", email_verified_at=timezone.now()),
    )
    req = access_request_create(user=member.user, tenant=tenant, reason="please")
    with pytest.raises(PolicyViolation):
        access_request_resolve(access_request=req, approve=True, actor=support_user, reason="ok")
    req.refresh_from_db()
    assert req.status == "pending"
    access_request_resolve(
        access_request=req, approve=True, actor=support_user, reason="ok", override=True
    )
    member.refresh_from_db()
    assert member.role == "read_write"
    assert AccessRequest.objects.get().status == "approved"


def test_read_write_members_and_outsiders_cannot_request(tenant, other_tenant):
    rw = factories.membership(tenant=tenant, role="read_write")
    with pytest.raises(ServiceError):
        access_request_create(user=rw.user, tenant=tenant, reason="x")
    outsider = factories.membership(tenant=other_tenant).user
    with pytest.raises(ServiceError):
        access_request_create(user=outsider, tenant=tenant, reason="x")


def test_parse_domains():
    assert parse_domains("Contoso.com, @fabrikam.net\ncontoso.com") == [
        "contoso.com",
        "fabrikam.net",
    ]
    assert parse_domains("") == []
    for bad in ("contoso", "a b.c!", "-x.com", "x@y.com"):
        with pytest.raises(ServiceError):
            parse_domains(bad)


def test_passkey_rename_and_never_remove_the_last():
    user = factories.portal_user()
    one = WebAuthnCredential.objects.create(
        user=user, credential_id=b"1", public_key=b"k", name="A"
    )
    passkey_rename(credential=one, user=user, name="Phone")
    one.refresh_from_db()
    assert one.name == "Phone"
    with pytest.raises(ServiceError):
        passkey_remove(credential=one, user=user)
    two = WebAuthnCredential.objects.create(user=user, credential_id=b"2", public_key=b"k")
    passkey_remove(credential=one, user=user)
    assert list(user.credentials.all()) == [two]
    with pytest.raises(ServiceError):
        passkey_remove(credential=two, user=user)


def test_passkey_services_refuse_other_users_credentials():
    owner, other = factories.portal_user(), factories.portal_user()
    cred = WebAuthnCredential.objects.create(user=owner, credential_id=b"3", public_key=b"k")
    WebAuthnCredential.objects.create(user=other, credential_id=b"4", public_key=b"k")
    WebAuthnCredential.objects.create(user=other, credential_id=b"5", public_key=b"k")
    with pytest.raises(ServiceError):
        passkey_remove(credential=cred, user=other)
    with pytest.raises(WebAuthnCredential.DoesNotExist):
        passkey_rename(credential=cred, user=other, name="x")
