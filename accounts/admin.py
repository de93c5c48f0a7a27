"""Django admin for support staff: users, memberships, and a read-only audit trail."""

from django.contrib import admin

from accounts.models import AuditEvent, Membership, User, WebAuthnCredential


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
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
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__email", "tenant__slug"]


@admin.register(WebAuthnCredential)
class WebAuthnCredentialAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "possibly_cloned"]
    fields = ["name", "user", "aaguid", "sign_count", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_email", "tenant", "target_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "actor_email", "target_repr"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
