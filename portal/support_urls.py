"""Support console URLs."""

urlpatterns: list = []
