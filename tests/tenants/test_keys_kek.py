"""KEK change: re-encrypt every private key under the new KEK with `reencrypt_keys`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tenants.audit import AuditEvent
from tenants.models import SigningKey
from tenants.oidc.crypto import KeyDecryptionError, decrypt_private_key, signing_key_cache_clear
from tenants.oidc.keys import key_revoke, signing_key_active
from tests import factories
from tests.tenants.keys_jwt import jwks_snapshot, sign_id_token, verifies

pytestmark = pytest.mark.django_db


def _open_all():
    for key in SigningKey.objects.exclude(private_key_encrypted=""):
        decrypt_private_key(key.private_key_encrypted)


def test_reencrypt_after_a_kek_change(settings):
    settings.KEY_ENCRYPTION_KEY = "old-kek-for-tests"
    settings.KEY_ENCRYPTION_KEY_PREVIOUS = []
    tenant = factories.tenant()
    key_revoke(key=signing_key_active(tenant=tenant), actor=None)  # a wiped row must be skipped
    before = dict(SigningKey.objects.values_list("kid", "private_key_encrypted"))

    # New KEK alone cannot open the keys.
    settings.KEY_ENCRYPTION_KEY = "new-kek-for-tests"
    with pytest.raises(KeyDecryptionError):
        _open_all()

    settings.KEY_ENCRYPTION_KEY_PREVIOUS = ["old-kek-for-tests"]
    out = StringIO()
    call_command("reencrypt_keys", stdout=out)
    assert "re-encrypted 2 signing key(s)" in out.getvalue()
    after = dict(SigningKey.objects.values_list("kid", "private_key_encrypted"))
    assert after.keys() == before.keys()
    assert all(after[kid] != before[kid] for kid in after if before[kid])

    # Old KEK removed: everything still opens and signs.
    settings.KEY_ENCRYPTION_KEY_PREVIOUS = []
    _open_all()
    signing_key_cache_clear()
    now = timezone.now()
    assert verifies(sign_id_token(tenant, now), jwks_snapshot(tenant), now)
    # The audit trail records the run (counts only, never key material).
    event = AuditEvent.objects.get(action="signing_key.reencrypted")
    assert event.details == {"reencrypted": 2, "failed": []}


def test_reencrypt_reports_keys_no_kek_opens(settings):
    settings.KEY_ENCRYPTION_KEY = "first-kek"
    settings.KEY_ENCRYPTION_KEY_PREVIOUS = []
    factories.tenant()
    settings.KEY_ENCRYPTION_KEY = "second-kek"
    with pytest.raises(CommandError, match="could not be opened"):
        call_command("reencrypt_keys", stdout=StringIO())
