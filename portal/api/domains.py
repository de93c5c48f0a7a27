"""REST API for a tenant's custom domains and its passkeys' RP ID and related origins."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.selectors import users_with_passkeys_count
from portal.api.permissions import tenant_access
from portal.api.views import BAD_REQUEST, ERRORS, ApiView
from tenants.domains.dns_check import challenge_name, challenge_value
from tenants.domains.models import CustomDomain
from tenants.domains.names import DomainNameError
from tenants.domains.selectors import (
    access_custom_domain,
    custom_domains_of,
    related_origins_document,
    sign_in_host,
)
from tenants.domains.services import (
    RelyingPartyChangeNeedsConfirmation,
    custom_domain_add,
    custom_domain_recheck,
    custom_domain_remove,
    tenant_relying_party_update,
)


class CustomDomainSerializer(serializers.ModelSerializer):
    """A domain with the TXT record that proves ownership and its verification state."""

    txt_name = serializers.SerializerMethodField()
    txt_value = serializers.SerializerMethodField()

    class Meta:
        model = CustomDomain
        fields = [
            "id",
            "hostname",
            "state",
            "failure_reason",
            "txt_name",
            "txt_value",
            "last_checked_at",
            "verified_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_txt_name(self, domain) -> str:
        return challenge_name(domain.hostname)

    def get_txt_value(self, domain) -> str:
        return challenge_value(domain.verification_token)


class DomainAddSerializer(serializers.Serializer):
    hostname = serializers.CharField(max_length=253)


class RelyingPartySerializer(serializers.Serializer):
    """The RP ID (blank: the sign-in host) and the related origins; confirm an RP ID change."""

    rp_id = serializers.CharField(max_length=253, allow_blank=True)
    related_origins = serializers.ListField(
        child=serializers.CharField(max_length=300), max_length=50, default=list
    )
    confirm_affected_users = serializers.BooleanField(default=False, write_only=True)
    sign_in_host = serializers.CharField(read_only=True)
    users_with_passkeys = serializers.IntegerField(read_only=True)
    well_known_webauthn = serializers.DictField(read_only=True)


def _relying_party(tenant) -> dict:
    return {
        "rp_id": tenant.webauthn_rp_id,
        "related_origins": list(tenant.related_origins),
        "sign_in_host": sign_in_host(tenant=tenant),
        "users_with_passkeys": users_with_passkeys_count(tenant=tenant),
        "well_known_webauthn": related_origins_document(tenant=tenant),
    }


class DomainList(ApiView):
    """The tenant's custom domains; POST adds one (verified in the background by DNS)."""

    @extend_schema(responses={200: CustomDomainSerializer(many=True), **ERRORS})
    def get(self, request, slug):
        access = tenant_access(request, slug)
        return Response(
            CustomDomainSerializer(custom_domains_of(tenant=access.tenant), many=True).data
        )

    @extend_schema(
        request=DomainAddSerializer,
        responses={201: CustomDomainSerializer, **BAD_REQUEST, **ERRORS},
    )
    def post(self, request, slug):
        access = tenant_access(request, slug, write=True)
        body = DomainAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            domain = custom_domain_add(
                tenant=access.tenant,
                actor=request.user,
                hostname=body.validated_data["hostname"],
                request=request,
            )
        except DomainNameError as exc:
            raise ValidationError({"hostname": [str(exc)]}) from exc
        return Response(CustomDomainSerializer(domain).data, status=status.HTTP_201_CREATED)


class DomainDetail(ApiView):
    """One domain; DELETE stops serving it at once."""

    @extend_schema(responses={200: CustomDomainSerializer, **ERRORS})
    def get(self, request, slug, pk):
        access = tenant_access(request, slug)
        domain = access_custom_domain(tenant=access.tenant, actor=request.user, id=pk)
        return Response(CustomDomainSerializer(domain).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, slug, pk):
        access = tenant_access(request, slug, write=True)
        domain = access_custom_domain(tenant=access.tenant, actor=request.user, id=pk)
        custom_domain_remove(domain=domain, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DomainCheck(ApiView):
    """POST: look for the domain's TXT record again."""

    @extend_schema(request=None, responses={202: CustomDomainSerializer, **ERRORS})
    def post(self, request, slug, pk):
        access = tenant_access(request, slug, write=True)
        domain = access_custom_domain(tenant=access.tenant, actor=request.user, id=pk)
        domain = custom_domain_recheck(domain=domain, actor=request.user, request=request)
        return Response(CustomDomainSerializer(domain).data, status=status.HTTP_202_ACCEPTED)


class RelyingParty(ApiView):
    """The passkeys' RP ID and related origins, and the /.well-known/webauthn document."""

    @extend_schema(responses={200: RelyingPartySerializer, **ERRORS})
    def get(self, request, slug):
        access = tenant_access(request, slug)
        return Response(_relying_party(access.tenant))

    @extend_schema(
        request=RelyingPartySerializer,
        responses={200: RelyingPartySerializer, **BAD_REQUEST, **ERRORS},
    )
    def put(self, request, slug):
        access = tenant_access(request, slug, write=True)
        body = RelyingPartySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            tenant = tenant_relying_party_update(
                tenant=access.tenant,
                actor=request.user,
                rp_id=data["rp_id"],
                related_origins=data["related_origins"],
                serving_host=sign_in_host(tenant=access.tenant),
                users_with_passkeys=users_with_passkeys_count(tenant=access.tenant),
                confirm_affected=data["confirm_affected_users"],
                request=request,
            )
        except RelyingPartyChangeNeedsConfirmation as exc:
            raise ValidationError({"confirm_affected_users": [str(exc)]}) from exc
        except DomainNameError as exc:
            raise ValidationError({exc.field or "rp_id": [str(exc)]}) from exc
        return Response(_relying_party(tenant))
