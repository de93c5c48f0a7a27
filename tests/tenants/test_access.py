"""access_<entity> selectors check the actor; every tenant-owned model scopes with for_tenant."""

import pytest
from django.apps import apps
from django.http import Http404

from accounts.selectors import access_end_user, access_membership
from tenants.domains.selectors import access_custom_domain
from tenants.models import CustomDomain, SigningKey, Tenant
from tenants.oidc.keys import access_signing_key
from tenants.oidc.selectors import access_client_secret, access_redirect_url
from tenants.oidc.services import client_secret_generate, redirect_url_add
from tenants.querysets import TenantQuerySet
from tests import factories

pytestmark = pytest.mark.django_db


class Anonymous:
    is_authenticated = False


def _rows(tenant, writer):
    """One row of every tenant-owned kind reachable through an access_* selector."""
    entry = redirect_url_add(tenant=tenant, actor=writer, url=f"https://{tenant.slug}.test/cb")
    secret, _ = client_secret_generate(tenant=tenant, actor=writer, name="s")
    key = SigningKey.objects.for_tenant(tenant).first()
    member = factories.membership(tenant=tenant)
    end_user = factories.end_user(tenant=tenant)
    domain = CustomDomain.objects.create(tenant=tenant, hostname=f"login.{tenant.slug}.example")
    return {
        "custom_domain": lambda actor: access_custom_domain(
            tenant=tenant, actor=actor, id=domain.pk
        ),
        "redirect_url": lambda actor: access_redirect_url(tenant=tenant, actor=actor, id=entry.pk),
        "client_secret": lambda actor: access_client_secret(
            tenant=tenant, actor=actor, id=secret.pk
        ),
        "signing_key": lambda actor: access_signing_key(tenant=tenant, actor=actor, kid=key.kid),
        "membership": lambda actor: access_membership(tenant=tenant, actor=actor, id=member.pk),
        "end_user": lambda actor: access_end_user(tenant=tenant, actor=actor, id=end_user.pk),
    }


@pytest.fixture
def two_tenants(tenant, other_tenant):
    ours = factories.membership(tenant=tenant, role="read_write").user
    theirs = factories.membership(tenant=other_tenant, role="read_write").user
    return tenant, other_tenant, ours, theirs


def test_members_and_support_reach_the_rows_others_do_not(two_tenants, support_user):
    tenant, other_tenant, ours, theirs = two_tenants
    reader = factories.membership(tenant=tenant, role="read_only").user
    readers = {"read_write member": ours, "read_only member": reader, "support": support_user}
    outsiders = {
        "member of the other tenant": theirs,
        "end user of this tenant": factories.end_user(tenant=tenant),
        "portal user without membership": factories.portal_user(),
        "anonymous": Anonymous(),
        "nobody": None,
    }
    for name, read in _rows(tenant, ours).items():
        for who, actor in readers.items():
            assert read(actor) is not None, (name, who)
        for who, actor in outsiders.items():
            with pytest.raises(Http404):
                read(actor)
                pytest.fail(f"{who} reached {name}")


def test_a_row_of_another_tenant_is_not_reached_through_ours(two_tenants, support_user):
    tenant, other_tenant, ours, theirs = two_tenants
    entry = redirect_url_add(tenant=other_tenant, actor=theirs, url="https://o.test/cb")
    secret, _ = client_secret_generate(tenant=other_tenant, actor=theirs, name="theirs")
    key = SigningKey.objects.for_tenant(other_tenant).first()
    member = factories.membership(tenant=other_tenant)
    end_user = factories.end_user(tenant=other_tenant)
    for actor in (ours, support_user):
        with pytest.raises(Http404):
            access_redirect_url(tenant=tenant, actor=actor, id=entry.pk)
        with pytest.raises(Http404):
            access_client_secret(tenant=tenant, actor=actor, id=secret.pk)
        with pytest.raises(Http404):
            access_signing_key(tenant=tenant, actor=actor, kid=key.kid)
        with pytest.raises(Http404):
            access_membership(tenant=tenant, actor=actor, id=member.pk)
        with pytest.raises(Http404):
            access_end_user(tenant=tenant, actor=actor, id=end_user.pk)


def _tenant_owned_models():
    """Every model of ours with a foreign key to Tenant (directly, or through its client/user)."""
    owned = []
    for model in apps.get_models():
        if model._meta.app_label not in ("tenants", "accounts", "idp", "portal"):
            continue
        if model is Tenant:
            continue
        if any(
            getattr(field, "related_model", None) is Tenant for field in model._meta.get_fields()
        ):
            owned.append(model)
    return owned


def test_every_tenant_owned_model_scopes_through_the_one_for_tenant(tenant, other_tenant):
    models = _tenant_owned_models()
    assert len(models) >= 8
    for model in models:
        assert isinstance(getattr(model, "tenant_path", None), str), model
        queryset = model._default_manager.all()
        assert isinstance(queryset, TenantQuerySet), model
        # The declared path reaches a Tenant and filters on it.
        assert str(tenant.pk) in str(queryset.for_tenant(tenant).query), model
        list(queryset.for_tenant(other_tenant)[:1])
        with pytest.raises(ValueError):
            queryset.for_tenant(None)
