"""API views: thin wrappers over the same selectors and services the portal pages use."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from accounts.selectors import tenants_for_actor
from portal.api.authentication import ApiTokenAuthentication
from portal.api.parsers import JSONParser
from portal.api.permissions import IsPortalUser, tenant_access
from portal.api.serializers import (
    ApiErrorSerializer,
    AuditEventSerializer,
    ClientSecretSerializer,
    MemberSerializer,
    NewClientSecretSerializer,
    OIDCSettingsSerializer,
    RedirectURLSerializer,
    TenantSerializer,
)
from portal.selectors import audit_events_of, members_of
from tenants.oidc.endpoints import tenant_endpoints, tenant_for_client
from tenants.oidc.selectors import (
    access_client_secret,
    access_redirect_url,
    client_get_primary,
    client_secrets_of,
    metadata_url,
    redirect_urls_of,
    signup_inputs_of,
    token_endpoint_auth_method,
)
from tenants.oidc.services import (
    client_secret_generate,
    client_secret_revoke,
    oidc_settings_update,
    redirect_url_add,
    redirect_url_remove,
)

ERRORS = {
    401: OpenApiResponse(ApiErrorSerializer, description="Not signed in or bad API token."),
    403: OpenApiResponse(ApiErrorSerializer, description="Read-write access is required."),
    404: OpenApiResponse(ApiErrorSerializer, description="No such tenant or object (for you)."),
}
BAD_REQUEST = {400: OpenApiResponse(description="Field errors: {field: [message, …]}.")}


def _service(fn, **kwargs):
    """Run a service; its validation errors become a 400 with field errors."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(exc.message_dict) from exc
        raise ValidationError({"non_field_errors": exc.messages}) from exc
    except IntegrityError as exc:
        # A concurrent identical write won the race; the unique constraint caught it.
        raise ValidationError({"non_field_errors": ["This already exists."]}) from exc


class ApiView(APIView):
    """Common set-up: token or session authentication, JSON only, portal users only."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPortalUser]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]


class Pagination(LimitOffsetPagination):
    """?limit=&offset= with a default page of 50 and at most 200."""

    default_limit = 50
    max_limit = 200


class ApiListView(ApiView, generics.ListAPIView):
    """A read-only, paginated list."""

    pagination_class = Pagination


def _roles(user) -> dict:
    return dict(Membership.objects.filter(user=user).values_list("tenant_id", "role"))


class TenantList(ApiListView):
    """The tenants you belong to (support staff: all)."""

    serializer_class = TenantSerializer

    def get_queryset(self):
        return tenants_for_actor(actor=self.request.user).order_by("slug")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "roles": _roles(self.request.user)}

    @extend_schema(responses={200: TenantSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TenantDetail(ApiView):
    """One tenant you belong to."""

    @extend_schema(responses={200: TenantSerializer, **ERRORS})
    def get(self, request, slug):
        access = tenant_access(request, slug)
        context = {"roles": _roles(request.user)}
        return Response(TenantSerializer(access.tenant, context=context).data)


def _settings_data(tenant) -> dict:
    client = client_get_primary(tenant=tenant)
    seen = tenant_for_client(tenant, client)
    return {
        "enabled": tenant.oidc_enabled,
        "inputs": signup_inputs_of(tenant),
        "response_type": client.response_type if client else "code",
        "response_mode": client.response_mode if client else "form_post",
        "client_id": client.client_id if client else None,
        "metadata_url": metadata_url(seen),
        "issuer": seen.issuer,
        "token_endpoint_auth_method": token_endpoint_auth_method(client),
        "endpoints": tenant_endpoints(seen).as_dict(),
    }


class OIDCSettings(ApiView):
    """Enable OIDC, Inputs, response type and mode; Client ID and Metadata URL."""

    @extend_schema(responses={200: OIDCSettingsSerializer, **ERRORS})
    def get(self, request, slug):
        access = tenant_access(request, slug)
        return Response(_settings_data(access.tenant))

    @extend_schema(
        request=OIDCSettingsSerializer,
        responses={200: OIDCSettingsSerializer, **BAD_REQUEST, **ERRORS},
    )
    def patch(self, request, slug):
        access = tenant_access(request, slug, write=True)
        serializer = OIDCSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tenant = _service(
            oidc_settings_update,
            tenant=access.tenant,
            actor=request.user,
            enabled=data.get("enabled"),
            inputs=dict(data["inputs"]) if "inputs" in data else None,
            response_type=data.get("response_type"),
            response_mode=data.get("response_mode"),
            request=request,
        )
        return Response(_settings_data(tenant))


class RedirectURLList(ApiView):
    """The Redirect URLs of the tenant's client."""

    @extend_schema(responses={200: RedirectURLSerializer(many=True), **ERRORS})
    def get(self, request, slug):
        access = tenant_access(request, slug)
        client = client_get_primary(tenant=access.tenant)
        entries = redirect_urls_of(tenant=access.tenant, client=client)
        return Response(RedirectURLSerializer(entries, many=True).data)

    @extend_schema(
        request=RedirectURLSerializer,
        responses={201: RedirectURLSerializer, **BAD_REQUEST, **ERRORS},
    )
    def post(self, request, slug):
        access = tenant_access(request, slug, write=True)
        serializer = RedirectURLSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = _service(
            redirect_url_add,
            tenant=access.tenant,
            actor=request.user,
            url=serializer.validated_data["url"],
            request=request,
        )
        return Response(RedirectURLSerializer(entry).data, status=status.HTTP_201_CREATED)


class RedirectURLDetail(ApiView):
    """One Redirect URL."""

    @extend_schema(responses={200: RedirectURLSerializer, **ERRORS})
    def get(self, request, slug, pk):
        access = tenant_access(request, slug)
        entry = access_redirect_url(tenant=access.tenant, actor=request.user, id=pk)
        return Response(RedirectURLSerializer(entry).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, slug, pk):
        access = tenant_access(request, slug, write=True)
        entry = access_redirect_url(tenant=access.tenant, actor=request.user, id=pk)
        redirect_url_remove(
            tenant=access.tenant, actor=request.user, redirect_url=entry, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientSecretList(ApiView):
    """Client secrets (read-write members only); the value is returned once, on creation."""

    @extend_schema(responses={200: ClientSecretSerializer(many=True), **ERRORS})
    def get(self, request, slug):
        access = tenant_access(request, slug, write=True)
        client = client_get_primary(tenant=access.tenant)
        secrets = client_secrets_of(tenant=access.tenant, client=client)
        return Response(ClientSecretSerializer(secrets, many=True).data)

    @extend_schema(
        request=ClientSecretSerializer,
        responses={201: NewClientSecretSerializer, **BAD_REQUEST, **ERRORS},
    )
    def post(self, request, slug):
        access = tenant_access(request, slug, write=True)
        serializer = ClientSecretSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        secret, plaintext = _service(
            client_secret_generate,
            tenant=access.tenant,
            actor=request.user,
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data.get("expires_at"),
            request=request,
        )
        body = NewClientSecretSerializer(secret, context={"plaintext": plaintext}).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class ClientSecretDetail(ApiView):
    """One client secret's metadata."""

    @extend_schema(responses={200: ClientSecretSerializer, **ERRORS})
    def get(self, request, slug, pk):
        access = tenant_access(request, slug, write=True)
        secret = access_client_secret(tenant=access.tenant, actor=request.user, id=pk)
        return Response(ClientSecretSerializer(secret).data)


class ClientSecretRevoke(ApiView):
    """Revoke a client secret at once (revoking twice changes nothing)."""

    @extend_schema(request=None, responses={200: ClientSecretSerializer, **ERRORS})
    def post(self, request, slug, pk):
        access = tenant_access(request, slug, write=True)
        secret = access_client_secret(tenant=access.tenant, actor=request.user, id=pk)
        secret = client_secret_revoke(
            tenant=access.tenant, actor=request.user, secret=secret, request=request
        )
        return Response(ClientSecretSerializer(secret).data)


class MemberList(ApiListView):
    """Portal users with access to the tenant, and their roles."""

    serializer_class = MemberSerializer

    def get_queryset(self):
        # Same rule as the Members page: read-write members and support staff only.
        access = tenant_access(self.request, self.kwargs["slug"], write=True)
        return members_of(tenant=access.tenant).order_by("id")

    @extend_schema(responses={200: MemberSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AuditEventList(ApiListView):
    """The tenant's audit events, newest first."""

    serializer_class = AuditEventSerializer

    def get_queryset(self):
        # Same rule as the Audit log page: read-write members and support staff only.
        access = tenant_access(self.request, self.kwargs["slug"], write=True)
        return audit_events_of(tenant=access.tenant)

    @extend_schema(responses={200: AuditEventSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer in JSON like every other API error."""
    return JsonResponse({"detail": "Not found."}, status=404)
