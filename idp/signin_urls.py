"""End-user sign-in, registration, account and recovery pages."""

urlpatterns: list = []
