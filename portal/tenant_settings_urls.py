"""URL patterns (tenant_settings_urls)."""

urlpatterns: list = []
