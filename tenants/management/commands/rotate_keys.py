"""Run one signing-key rotation pass by hand (what the Celery beat task does per tenant)."""

from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant
from tenants.oidc.keys import key_rotation_pass


class Command(BaseCommand):
    help = "Run one key rotation pass for every tenant, or for the tenants named with --tenant."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", action="append", default=[], metavar="SLUG")

    def handle(self, *args, **options):
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug__in=options["tenant"])
            missing = set(options["tenant"]) - set(tenants.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"no such tenant: {', '.join(sorted(missing))}")
        changed = 0
        for tenant in tenants:
            result = key_rotation_pass(tenant=tenant)
            if result.changed:
                changed += 1
                self.stdout.write(
                    f"{tenant.slug}: promoted {result.promoted or '-'}, retired "
                    f"{result.retired or '-'}, created {result.created or '-'}, deleted "
                    f"{result.deleted or '-'}"
                )
        self.stdout.write(self.style.SUCCESS(f"rotation pass done; {changed} tenant(s) changed"))
