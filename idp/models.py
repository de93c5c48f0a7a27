"""What DOT does not record: how each authorization code's user signed in, and its tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tenants.models import OIDCClient, Tenant
from tenants.querysets import TenantOwned, TenantQuerySet


class AuthorizationCode(TenantOwned):
    """One issued code: bound to a tenant and client, redeemed at most once.

    DOT deletes its Grant on redemption; this row outlives it so that a second redemption is
    recognised and every token issued from the code can be revoked (RFC 6749 §4.1.2).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(OIDCClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # SHA-256 of the code; the code itself is only in DOT's short-lived Grant.
    code_digest = models.CharField(max_length=64, unique=True)
    auth_time = models.PositiveBigIntegerField()
    amr = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    reused_at = models.DateTimeField(null=True, blank=True)
    # Plain ids, not foreign keys: DOT's token models are swappable, and revoking deletes them.
    access_token_id = models.BigIntegerField(null=True, blank=True)
    id_token_id = models.BigIntegerField(null=True, blank=True)
    # Refresh tokens rotate; the family covers every successor of the first one.
    refresh_token_family = models.UUIDField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="idp_code_expires")]

    def __str__(self):
        return f"code …{self.code_digest[-6:]} for {self.client_id}"
