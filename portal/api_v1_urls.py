"""URL patterns (api_v1_urls)."""

urlpatterns: list = []
