"""REST API for a tenant's signing keys: list, add an algorithm, rotate now, revoke.

Public key material only: the private half never leaves tenants.oidc.keys / tenants.oidc.crypto.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import access_tenant
from tenants.models import SigningKey
from tenants.oidc.endpoints import tenant_endpoints
from tenants.oidc.keys import (
    KeyAlgorithmUnsupported,
    KeyStateChanged,
    access_signing_key,
    key_algorithm_add,
    key_revoke,
    key_rotate_now,
    signing_key_schedule,
    signing_keys_list,
)


class SigningKeySerializer(serializers.ModelSerializer):
    """A key as the API shows it: identifiers, state, dates and the public JWK only."""

    public_jwk = serializers.SerializerMethodField()

    class Meta:
        model = SigningKey
        fields = [
            "kid",
            "algorithm",
            "state",
            "created_at",
            "published_at",
            "activated_at",
            "retired_at",
            "revoked_at",
            "public_jwk",
        ]
        read_only_fields = fields

    def get_public_jwk(self, key) -> dict | None:
        # A revoked key is withdrawn; show nothing that looks like a usable key.
        return None if key.state == SigningKey.State.REVOKED else key.public_jwk


class ScheduleSerializer(serializers.Serializer):
    """Per algorithm: the active and next kid and when the next scheduled rotation happens."""

    algorithm = serializers.CharField()
    active_kid = serializers.CharField(source="active.kid", allow_null=True, default=None)
    next_kid = serializers.CharField(source="next.kid", allow_null=True, default=None)
    rotates_at = serializers.DateTimeField(allow_null=True)
    next_is_young = serializers.BooleanField()


class KeyListSerializer(serializers.Serializer):
    keys = SigningKeySerializer(many=True)
    schedule = ScheduleSerializer(many=True)
    jwks_uri = serializers.CharField(help_text="Where relying parties fetch the public keys.")


class AlgorithmAddSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(choices=["ES256"])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RotateSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(choices=SigningKey.Algorithm.values, default="RS256")
    expected_next_kid = serializers.CharField(max_length=64, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RotateResultSerializer(serializers.Serializer):
    active = SigningKeySerializer()
    next = SigningKeySerializer()
    retired = SigningKeySerializer(allow_null=True)
    warning = serializers.CharField(allow_null=True)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RevokeResultSerializer(serializers.Serializer):
    revoked = SigningKeySerializer()
    active = SigningKeySerializer()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


YOUNG_WARNING = (
    "The promoted key had been published for less than the JWKS cache lifetime; relying "
    "parties that cached JWKS earlier may have to refetch it."
)


def _listing(tenant) -> dict:
    return {
        "keys": SigningKeySerializer(signing_keys_list(tenant=tenant), many=True).data,
        "schedule": ScheduleSerializer(signing_key_schedule(tenant=tenant), many=True).data,
        "jwks_uri": tenant_endpoints(tenant).jwks,
    }


class KeyListView(APIView):
    """GET the tenant's keys; POST {"algorithm": "ES256"} to sign with ES256 as well."""

    @extend_schema(responses=KeyListSerializer, operation_id="tenant_keys_list")
    def get(self, request, slug):
        access = access_tenant(actor=request.user, slug=slug)
        return Response(_listing(access.tenant))

    @extend_schema(
        request=AlgorithmAddSerializer,
        responses={201: KeyListSerializer, 400: ErrorSerializer},
        operation_id="tenant_keys_add_algorithm",
    )
    def post(self, request, slug):
        access = access_tenant(actor=request.user, slug=slug)
        access.require_write()
        body = AlgorithmAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key_algorithm_add(
            tenant=access.tenant,
            algorithm=body.validated_data["algorithm"],
            actor=request.user,
            reason=body.validated_data["reason"],
            request=request,
        )
        return Response(_listing(access.tenant), status=status.HTTP_201_CREATED)


class KeyRotateView(APIView):
    """POST: promote the published next key now ("Rotate now") and publish a fresh one."""

    @extend_schema(
        request=RotateSerializer,
        responses={200: RotateResultSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
        operation_id="tenant_keys_rotate",
    )
    def post(self, request, slug):
        access = access_tenant(actor=request.user, slug=slug)
        access.require_write()
        body = RotateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            outcome = key_rotate_now(
                tenant=access.tenant,
                actor=request.user,
                reason=body.validated_data["reason"],
                algorithm=body.validated_data["algorithm"],
                expected_next_kid=body.validated_data.get("expected_next_kid") or None,
                request=request,
            )
        except KeyStateChanged as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except KeyAlgorithmUnsupported as exc:
            return Response({"algorithm": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        data = {
            "active": outcome.active,
            "next": outcome.next,
            "retired": outcome.retired,
            "warning": YOUNG_WARNING if outcome.was_young else None,
        }
        return Response(RotateResultSerializer(data).data)


class KeyRevokeView(APIView):
    """POST: withdraw a key from JWKS at once; if it was active, the next key takes over."""

    @extend_schema(
        request=RevokeSerializer,
        responses={200: RevokeResultSerializer, 404: ErrorSerializer},
        operation_id="tenant_keys_revoke",
    )
    def post(self, request, slug, kid):
        access = access_tenant(actor=request.user, slug=slug)
        access.require_write()
        key = access_signing_key(tenant=access.tenant, actor=request.user, kid=kid)
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        active = key_revoke(
            key=key, actor=request.user, reason=body.validated_data["reason"], request=request
        )
        key.refresh_from_db()
        return Response(RevokeResultSerializer({"revoked": key, "active": active}).data)
