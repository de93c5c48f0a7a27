"""API: the sites allowed to embed the tenant's sign-in page in a frame."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal.api.permissions import tenant_access
from portal.api.serializers import StrictCharField, StrictSerializer
from portal.api.views import BAD_REQUEST, ERRORS, ApiView, _service
from tenants.domains.names import MAX_IFRAME_ORIGINS
from tenants.services import tenant_iframe_origins_update


class EmbeddingSerializer(StrictSerializer):
    """Top-level origins (https://host[:port]) whose pages may frame the sign-in page."""

    iframe_origins = serializers.ListField(
        child=StrictCharField(max_length=300), max_length=MAX_IFRAME_ORIGINS * 2
    )


def _data(tenant) -> dict:
    return {"iframe_origins": list(tenant.iframe_origins)}


class Embedding(ApiView):
    """Who may show the sign-in page in an iframe; an empty list (the default) means nobody."""

    @extend_schema(responses={200: EmbeddingSerializer, **ERRORS})
    def get(self, request, slug):
        return Response(_data(tenant_access(request, slug).tenant))

    @extend_schema(
        request=EmbeddingSerializer,
        responses={200: EmbeddingSerializer, **BAD_REQUEST, **ERRORS},
    )
    def put(self, request, slug):
        access = tenant_access(request, slug, write=True)
        body = EmbeddingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tenant = _service(
            tenant_iframe_origins_update,
            tenant=access.tenant,
            actor=request.user,
            origins=body.validated_data["iframe_origins"],
            request=request,
        )
        return Response(_data(tenant))
