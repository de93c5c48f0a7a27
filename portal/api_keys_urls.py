"""URL patterns (api_keys_urls)."""

urlpatterns: list = []
