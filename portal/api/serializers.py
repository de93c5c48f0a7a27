"""API serializers; input serializers reject unknown fields and wrong types."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Membership
from tenants.audit import AuditEvent
from tenants.models import INPUT_CHOICES, ClientSecret, OIDCClient, RedirectURL
from tenants.oidc.redirects import REDIRECT_URL_MAX_LENGTH
from tenants.oidc.selectors import metadata_url, secret_status
from tenants.oidc.services import SECRET_NAME_MAX_LENGTH


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, and read-only fields, instead of ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for key in data:
                field = self.fields.get(key) if isinstance(key, str) else None
                if field is None:
                    errors[str(key)] = ["Unknown field."]
                elif field.read_only:
                    errors[key] = ["This field is read-only."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true or false."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictCharField(serializers.CharField):
    """Only JSON strings (no silent conversion of numbers)."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    """Only one of the string choices."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class ApiErrorSerializer(serializers.Serializer):
    """A refusal: `detail` for the whole request (field errors map field names to messages)."""

    detail = serializers.CharField()


class TenantSerializer(serializers.Serializer):
    """A tenant the caller belongs to."""

    slug = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    oidc_enabled = serializers.BooleanField(read_only=True)
    issuer = serializers.CharField(read_only=True)
    metadata_url = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()

    def get_metadata_url(self, tenant) -> str:
        return metadata_url(tenant)

    def get_role(self, tenant) -> str:
        """read_only, read_write, or support (support staff without a membership)."""
        return self.context["roles"].get(tenant.pk, "support")


@extend_schema_field({"type": "string", "enum": list(INPUT_CHOICES)})
class InputChoiceField(StrictChoiceField):
    """off, optional or required."""

    def __init__(self, **kwargs):
        super().__init__(choices=INPUT_CHOICES, **kwargs)


class InputsSerializer(StrictSerializer):
    """What sign-up asks for besides email (always required)."""

    given_name = InputChoiceField(required=False)
    family_name = InputChoiceField(required=False)
    nickname = InputChoiceField(required=False)


class OIDCSettingsSerializer(StrictSerializer):
    """Enable OIDC, Inputs, response type and mode, and the values relying parties need."""

    enabled = StrictBooleanField(required=False, help_text="Enable OIDC.")
    inputs = InputsSerializer(required=False)
    response_type = StrictChoiceField(choices=OIDCClient.ResponseType.values, required=False)
    response_mode = StrictChoiceField(choices=OIDCClient.ResponseMode.values, required=False)
    client_id = serializers.CharField(
        read_only=True, allow_null=True, help_text="Null until the client is created."
    )
    metadata_url = serializers.CharField(read_only=True)
    issuer = serializers.CharField(read_only=True)
    token_endpoint_auth_method = serializers.CharField(read_only=True)
    endpoints = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The issuer and every endpoint URL (discovery, jwks, authorize, token, ...).",
    )


class RedirectURLSerializer(StrictSerializer):
    """A registered Redirect URL (matched exactly, case-sensitively)."""

    id = serializers.IntegerField(read_only=True)
    url = StrictCharField(max_length=REDIRECT_URL_MAX_LENGTH, trim_whitespace=False)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: RedirectURL):
        return {"id": instance.pk, "url": instance.url, "created_at": _dt(instance.created_at)}


class ClientSecretSerializer(StrictSerializer):
    """A client secret's metadata; the value itself is never listed."""

    id = serializers.IntegerField(read_only=True)
    name = StrictCharField(max_length=SECRET_NAME_MAX_LENGTH)
    hint = serializers.CharField(read_only=True, help_text="Last characters of the secret.")
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=["active", "expired", "revoked"], read_only=True)

    def to_representation(self, instance: ClientSecret):
        return {
            "id": instance.pk,
            "name": instance.name,
            "hint": instance.hint,
            "created_at": _dt(instance.created_at),
            "expires_at": _dt(instance.expires_at),
            "last_used_at": _dt(instance.last_used_at),
            "revoked_at": _dt(instance.revoked_at),
            "status": secret_status(instance, timezone.now()),
        }


class NewClientSecretSerializer(ClientSecretSerializer):
    """A just-generated client secret, with its value: shown this once only."""

    secret = serializers.CharField(read_only=True, help_text="The secret. Not shown again.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["secret"] = self.context["plaintext"]
        return data


class MemberSerializer(serializers.ModelSerializer):
    """A portal user's membership of the tenant."""

    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "role", "created_at"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    """One audit event of the tenant."""

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor_email",
            "target_type",
            "target_id",
            "target_repr",
            "details",
            "ip",
        ]
        read_only_fields = fields


def _dt(value):
    return serializers.DateTimeField().to_representation(value) if value is not None else None
