"""Re-seal every private signing key under the current KEK after a KEK change."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tenants.audit import audit_log
from tenants.models import SigningKey
from tenants.oidc.crypto import KeyDecryptionError, reencrypt_private_key

BATCH = 200


class Command(BaseCommand):
    help = (
        "Re-encrypt all signing keys with KEY_ENCRYPTION_KEY. Set the old KEK in "
        "KEY_ENCRYPTION_KEY_PREVIOUS while this runs; remove it afterwards."
    )

    def handle(self, *args, **options):
        done = 0
        failed: list[str] = []
        ids = list(
            SigningKey.objects.exclude(private_key_encrypted="")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                # Row locks keep a concurrent rotation from racing the rewrite of a key.
                batch = SigningKey.objects.select_for_update().filter(
                    pk__in=ids[start : start + BATCH]
                )
                for key in batch:
                    if not key.private_key_encrypted:
                        continue
                    try:
                        key.private_key_encrypted = reencrypt_private_key(key.private_key_encrypted)
                    except KeyDecryptionError:
                        failed.append(key.kid)
                        continue
                    key.save(update_fields=["private_key_encrypted"])
                    done += 1
        audit_log(
            action="signing_key.reencrypted",
            details={"reencrypted": done, "failed": failed},
        )
        if failed:
            raise CommandError(
                f"{len(failed)} key(s) could not be opened with any configured KEK: "
                f"{', '.join(failed)}. Put the old KEK in KEY_ENCRYPTION_KEY_PREVIOUS and rerun."
            )
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {done} signing key(s)"))
