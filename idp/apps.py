"""Django app config for the IdP (end-user face)."""

from django.apps import AppConfig


class IdpConfig(AppConfig):
    name = "idp"
    verbose_name = "Identity provider"
