"""API for the Users page: list and search end users, and the admin actions on them."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.directory import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    QUERY_MAX_LENGTH,
    access_end_user_detail,
    end_users_page,
    passkey_facts,
)
from accounts.directory_services import (
    enduser_disable,
    enduser_enable,
    enduser_passkey_delete,
    enduser_recovery_send,
    enduser_sessions_revoke,
)
from portal.api.permissions import tenant_access
from portal.api.serializers import StrictSerializer
from portal.api.views import BAD_REQUEST, ERRORS, ApiView, _service


class PasskeySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    make = serializers.CharField()
    aaguid = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    kind = serializers.ChoiceField(choices=["synced", "device-bound"])


class EndUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sub = serializers.CharField(source="subject")
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    active = serializers.BooleanField(source="is_active")
    created_at = serializers.DateTimeField(source="date_joined")
    last_sign_in = serializers.DateTimeField(allow_null=True)
    passkeys = serializers.SerializerMethodField()

    def get_passkeys(self, user) -> list[dict]:
        return PasskeySerializer([passkey_facts(c) for c in user.credentials.all()], many=True).data


class EndUserPageSerializer(serializers.Serializer):
    results = EndUserSerializer(many=True)
    next_after = serializers.IntegerField(allow_null=True)


class PageQuerySerializer(StrictSerializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=QUERY_MAX_LENGTH)
    after = serializers.IntegerField(required=False, min_value=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class EmptySerializer(StrictSerializer):
    """Actions take no fields."""


class EndUserList(ApiView):
    """End users of the tenant, newest first, a keyset page at a time (?after=<next_after>)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Email prefix, or an exact sub."),
            OpenApiParameter("after", int, description="next_after of the previous page."),
            OpenApiParameter("limit", int, description=f"1–{MAX_PAGE_SIZE} (default {PAGE_SIZE})."),
        ],
        responses={200: EndUserPageSerializer, **BAD_REQUEST, **ERRORS},
    )
    def get(self, request, slug):
        access = tenant_access(request, slug)
        query = PageQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        page = end_users_page(
            tenant=access.tenant,
            actor=request.user,
            query=data.get("q", ""),
            after=data.get("after"),
            limit=data.get("limit", PAGE_SIZE),
        )
        body = {"results": EndUserSerializer(page.users, many=True).data}
        body["next_after"] = page.next_after
        return Response(body)


class EndUserDetail(ApiView):
    """One end user with their passkeys."""

    @extend_schema(responses={200: EndUserSerializer, **ERRORS})
    def get(self, request, slug, user_id):
        access = tenant_access(request, slug)
        user = access_end_user_detail(tenant=access.tenant, actor=request.user, id=user_id)
        return Response(EndUserSerializer(user).data)


def _action(service, *, result_status=status.HTTP_200_OK):
    class Action(ApiView):
        @extend_schema(
            request=EmptySerializer, responses={200: EndUserSerializer, **BAD_REQUEST, **ERRORS}
        )
        def post(self, request, slug, user_id):
            access = tenant_access(request, slug, write=True)
            user = access_end_user_detail(tenant=access.tenant, actor=request.user, id=user_id)
            EmptySerializer(data=request.data or {}).is_valid(raise_exception=True)
            _service(service, tenant=access.tenant, actor=request.user, user=user, request=request)
            user = access_end_user_detail(tenant=access.tenant, actor=request.user, id=user_id)
            return Response(EndUserSerializer(user).data, status=result_status)

    Action.__name__ = Action.__qualname__ = f"EndUser{service.__name__.title().replace('_', '')}"
    Action.__doc__ = service.__doc__
    return Action


EndUserDisable = _action(enduser_disable)
EndUserEnable = _action(enduser_enable)
EndUserRevokeSessions = _action(enduser_sessions_revoke)
EndUserSendRecovery = _action(enduser_recovery_send, result_status=status.HTTP_202_ACCEPTED)


class EndUserPasskeyDetail(ApiView):
    """Remove one of the user's passkeys (the user can recover by email)."""

    @extend_schema(responses={204: None, **BAD_REQUEST, **ERRORS})
    def delete(self, request, slug, user_id, pk):
        access = tenant_access(request, slug, write=True)
        user = access_end_user_detail(tenant=access.tenant, actor=request.user, id=user_id)
        if not any(c.pk == pk for c in user.credentials.all()):
            from django.http import Http404

            raise Http404("No such passkey.")
        _service(
            enduser_passkey_delete,
            tenant=access.tenant,
            actor=request.user,
            user=user,
            passkey_id=pk,
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
