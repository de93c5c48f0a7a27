"""API: a tenant's branding (JSON) and its logo (raw image body)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from portal.api.permissions import tenant_access
from portal.api.serializers import StrictBooleanField, StrictCharField, StrictSerializer
from portal.api.views import BAD_REQUEST, ERRORS, ApiView, _service
from tenants.branding.images import MAX_BYTES
from tenants.branding.services import tenant_branding_save


class BrandingSerializer(StrictSerializer):
    """Display name, primary colour (#rrggbb or empty), default language, passkey button."""

    display_name = StrictCharField(required=False, max_length=200)
    primary_color = StrictCharField(required=False, allow_blank=True, max_length=7)
    default_language = serializers.ChoiceField(required=False, choices=settings.LANGUAGES)
    passkey_button = StrictBooleanField(required=False)
    logo_url = serializers.CharField(read_only=True, allow_null=True)


def _data(tenant) -> dict:
    logo = None
    if tenant.logo_sha256:
        path = reverse(
            "idp:brand-logo", kwargs={"tenant_slug": tenant.slug, "digest": tenant.logo_sha256}
        )
        logo = f"{settings.PUBLIC_URL}{path}"
    return {
        "display_name": tenant.display_name,
        "primary_color": tenant.brand_color,
        "default_language": tenant.default_language,
        "passkey_button": tenant.passkey_button,
        "logo_url": logo,
    }


class ImageParser(BaseParser):
    """The request body is the image itself (PNG, JPEG or SVG); one byte past the limit at most."""

    media_type = "image/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(MAX_BYTES + 1) if stream is not None else b""


class Branding(ApiView):
    """Display name, primary colour, default language and the passkey button."""

    @extend_schema(responses={200: BrandingSerializer, **ERRORS})
    def get(self, request, slug):
        return Response(_data(tenant_access(request, slug).tenant))

    @extend_schema(
        request=BrandingSerializer, responses={200: BrandingSerializer, **BAD_REQUEST, **ERRORS}
    )
    def patch(self, request, slug):
        access = tenant_access(request, slug, write=True)
        serializer = BrandingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant = _service(
            tenant_branding_save,
            tenant=access.tenant,
            actor=request.user,
            request=request,
            **serializer.validated_data,
        )
        return Response(_data(tenant))


class BrandingLogo(ApiView):
    """PUT the image as the body (Content-Type image/png, image/jpeg or image/svg+xml)."""

    parser_classes = [ImageParser]

    @extend_schema(
        request={"image/*": {"type": "string", "format": "binary"}},
        responses={200: BrandingSerializer, **BAD_REQUEST, **ERRORS},
    )
    def put(self, request, slug):
        access = tenant_access(request, slug, write=True)
        body = request.data if isinstance(request.data, bytes) else b""
        tenant = _service(
            tenant_branding_save,
            tenant=access.tenant,
            actor=request.user,
            logo=body,
            request=request,
        )
        return Response(_data(tenant))

    @extend_schema(
        request=None, responses={200: BrandingSerializer, 204: OpenApiResponse(), **ERRORS}
    )
    def delete(self, request, slug):
        access = tenant_access(request, slug, write=True)
        tenant = _service(
            tenant_branding_save,
            tenant=access.tenant,
            actor=request.user,
            remove_logo=True,
            request=request,
        )
        return Response(_data(tenant))
