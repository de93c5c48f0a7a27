"""URL patterns (tenant_keys_urls)."""

urlpatterns: list = []
