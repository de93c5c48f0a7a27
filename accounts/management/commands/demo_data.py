"""Load demo data idempotently: a demo tenant, a support-staff account, and a sign-in link."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from accounts.email_links import email_link_issue
from accounts.models import EmailLink, Membership, User
from tenants.models import Tenant
from tenants.services import tenant_create

SUPPORT_EMAIL = "support@latchkey.test"
ADMIN_EMAIL = "admin@demo.latchkey.test"


class Command(BaseCommand):
    help = "Create the demo tenant and accounts if missing, and print one-time sign-in links."

    @transaction.atomic
    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug="demo").first()
        if tenant is None:
            tenant = tenant_create(slug="demo", display_name="Demo Company", reason="demo data")
        support = User.objects.portal().by_email(SUPPORT_EMAIL).first()
        if support is None:
            support = User.objects.create_user(
                SUPPORT_EMAIL, given_name="Sam", family_name="Support", is_staff=True
            )
        admin = User.objects.portal().by_email(ADMIN_EMAIL).first()
        if admin is None:
            admin = User.objects.create_user(ADMIN_EMAIL, given_name="Dana", family_name="Admin")
            Membership.objects.create(user=admin, tenant=tenant, role=Membership.Role.READ_WRITE)
        for user in (support, admin):
            token = email_link_issue(purpose=EmailLink.Purpose.SIGN_IN, email=user.email, user=user)
            path = reverse("portal:email-link", kwargs={"token": token})
            self.stdout.write(f"Sign in as {user.email}: {settings.PUBLIC_URL}{path}")
        self.stdout.write(f"Demo tenant issuer: {tenant.issuer}")
