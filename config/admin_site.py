"""The Django admin serves support staff, who sign in through the portal (no passwords)."""

from django.contrib import admin
from django.shortcuts import redirect


def admin_login(request, extra_context=None):
    """Send people to the passwordless portal sign-in instead of a password form."""
    return redirect("portal:sign-in")


def support_staff_only(request):
    """Only active support staff may use the admin (not tenant admins, not end users)."""
    user = request.user
    return bool(user.is_authenticated and user.is_support_staff)


admin.site.login = admin_login
admin.site.has_permission = support_staff_only
admin.site.site_header = "Latchkey support"
admin.site.site_title = "Latchkey support"
