"""Load demo data idempotently: the demo tenant with OIDC on, support staff and a tenant admin."""

from django.core.management.base import BaseCommand

from portal.demo import demo_data_load
from tenants.oidc.endpoints import tenant_endpoints


class Command(BaseCommand):
    help = "Create the demo tenant (OIDC on, token viewer registered) and demo accounts if missing."

    def handle(self, *args, **options):
        tenant = demo_data_load()
        issuer = tenant_endpoints(tenant).issuer
        self.stdout.write(f"Demo data ready: tenant {tenant.slug}, issuer {issuer}")
        self.stdout.write("Sign-in links: manage.py demo_links")
