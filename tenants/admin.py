"""Django admin for support staff: tenants and their OIDC clients."""

from django.contrib import admin

from tenants.models import ClientSecret, OIDCClient, RedirectURL, SigningKey, Tenant


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["slug", "display_name", "status", "oidc_enabled", "created_at"]
    list_filter = ["status", "oidc_enabled"]
    search_fields = ["slug", "display_name"]


class RedirectURLInline(admin.TabularInline):
    model = RedirectURL
    extra = 0
    fields = ["kind", "url"]


# DOT registers its (swapped) Application model itself; ours replaces that admin.
if admin.site.is_registered(OIDCClient):
    admin.site.unregister(OIDCClient)


@admin.register(OIDCClient)
class OIDCClientAdmin(admin.ModelAdmin):
    list_display = ["client_id", "tenant", "name", "response_type", "response_mode"]
    list_filter = ["response_type"]
    fields = ["tenant", "name", "client_id", "response_type", "response_mode"]
    readonly_fields = ["client_id"]
    inlines = [RedirectURLInline]


@admin.register(ClientSecret)
class ClientSecretAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "hint", "created_at", "expires_at", "revoked_at"]
    fields = ["name", "client", "hint", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "tenant", "algorithm", "state", "published_at", "activated_at"]
    list_filter = ["state", "algorithm"]
    fields = ["kid", "tenant", "algorithm", "state", "published_at", "activated_at", "retired_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
