"""Django admin for support staff: audited edits of tenants and users, read-only elsewhere.

Changes that have a policy or validation (roles, OIDC clients, secrets, keys) are made in the
portal's support console and Settings pages, through the audited services; here they are
read-only. Every edit the admin does allow writes an AuditEvent with before and after.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from accounts.models import AccessRequest, Membership, User, WebAuthnCredential
from tenants.audit import AuditEvent, audit_log
from tenants.models import ClientSecret, OIDCClient, RedirectURL, SigningKey, Tenant


class ReadOnlyAdmin(admin.ModelAdmin):
    """Support staff may look, not change."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline list without add, change or delete."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _tenant_of(obj):
    return obj if isinstance(obj, Tenant) else getattr(obj, "tenant", None)


class AuditedAdmin(admin.ModelAdmin):
    """Edits are allowed and each writes an AuditEvent with the fields' before and after."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = {name: form.initial.get(name) for name in form.changed_data}
        super().save_model(request, obj, form, change)
        after = {name: form.cleaned_data.get(name) for name in form.changed_data}
        changes = {name: [_plain(before[name]), _plain(after[name])] for name in form.changed_data}
        if changes:
            audit_log(
                action=f"admin.{obj._meta.model_name}.changed",
                actor=request.user,
                tenant=_tenant_of(obj),
                target=obj,
                details={"changes": changes},
                request=request,
            )


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(getattr(value, "pk", value))


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin):
    list_display = ["slug", "display_name", "status", "oidc_enabled", "created_at"]
    list_filter = ["status", "oidc_enabled"]
    search_fields = ["slug", "display_name"]
    fields = ["slug", "display_name", "status", "allowed_email_domains", "created_at"]
    readonly_fields = ["slug", "created_at"]


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["tenant", "role", "created_at"]
    readonly_fields = fields


class UserAdminForm(forms.ModelForm):
    """Support staff exist only in the portal realm; say so instead of a database error."""

    class Meta:
        model = User
        fields = ["given_name", "family_name", "nickname", "is_active", "is_staff"]

    def clean_is_staff(self):
        is_staff = self.cleaned_data["is_staff"]
        if is_staff and self.instance.tenant_id is not None:
            raise forms.ValidationError("End users of a tenant cannot be support staff.")
        return is_staff


@admin.register(User)
class UserAdmin(AuditedAdmin):
    form = UserAdminForm
    list_display = ["email", "tenant", "is_staff", "is_active", "email_verified_at", "date_joined"]
    list_filter = ["is_staff", "is_active", "tenant"]
    search_fields = ["email"]
    fields = [
        "email",
        "tenant",
        "given_name",
        "family_name",
        "nickname",
        "is_active",
        "is_staff",
        "email_verified_at",
    ]
    readonly_fields = ["email", "tenant", "email_verified_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__email", "tenant__slug"]


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["user", "tenant", "created_at"]
    search_fields = ["user__email", "tenant__slug"]


@admin.register(WebAuthnCredential)
class WebAuthnCredentialAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "possibly_cloned"]
    exclude = ["public_key", "credential_id"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_email", "tenant", "target_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "actor_email", "target_repr"]


# DOT registers its (swapped) Application model itself; ours replaces that admin.
if admin.site.is_registered(OIDCClient):
    admin.site.unregister(OIDCClient)


class RedirectURLInline(ReadOnlyInline):
    model = RedirectURL
    fields = ["kind", "url", "created_at"]
    readonly_fields = fields


@admin.register(OIDCClient)
class OIDCClientAdmin(ReadOnlyAdmin):
    list_display = ["client_id", "tenant", "name", "response_type", "response_mode"]
    list_filter = ["response_type"]
    fields = ["tenant", "name", "client_id", "response_type", "response_mode", "created"]
    inlines = [RedirectURLInline]

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(ClientSecret)
class ClientSecretAdmin(ReadOnlyAdmin):
    list_display = ["name", "client", "hint", "created_at", "expires_at", "revoked_at"]
    fields = ["name", "client", "hint", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "tenant", "algorithm", "state", "published_at", "activated_at"]
    list_filter = ["state", "algorithm"]
    fields = ["kid", "tenant", "algorithm", "state", "published_at", "activated_at", "retired_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields


# DOT's token rows (access, refresh, ID tokens and codes) are only ever written by the token
# flow; an unaudited admin edit could hand a token to another user. Groups are unused: roles
# live in Membership. None of these belong in the support admin.
for _model in (AccessToken, RefreshToken, Grant, IDToken, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
