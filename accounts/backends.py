"""Authentication backend: portal users sign in with passkeys or links, never passwords."""

from django.contrib.auth.backends import ModelBackend


class PortalUserBackend(ModelBackend):
    """Resolves session users; only portal-realm users ever get a Django session."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is not None and user.tenant_id is not None:
            return None
        return user
