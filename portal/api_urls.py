"""REST API under /api/v1/ and its OpenAPI schema."""

urlpatterns: list = []
