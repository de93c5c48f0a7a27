"""URL patterns (tenant_members_urls)."""

urlpatterns: list = []
