"""Observability hooks, connected once per process (web, Celery, management commands)."""

from django.apps import AppConfig
from django.db.models.signals import post_save


class ObservabilityConfig(AppConfig):
    """Feeds the Prometheus counters from audit events and Celery task signals."""

    name = "config"
    label = "observability"
    verbose_name = "Observability"

    def ready(self):
        from config import metrics
        from config.requestcycle import trim_request_signals

        post_save.connect(metrics.audit_event_saved, dispatch_uid="latchkey-metrics-audit")
        metrics.connect_celery_signals()
        trim_request_signals()
