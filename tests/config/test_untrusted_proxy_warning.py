"""Production says loudly, once per peer, that X-Forwarded-For from an untrusted peer is ignored."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.test import RequestFactory

from config import middleware


def _through(settings, remote, forwarded="203.0.113.9"):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    middleware.TrustedProxyMiddleware(lambda r: HttpResponse())(request)
    return request


def test_warns_once_per_untrusted_peer_in_production(settings, caplog, monkeypatch):
    monkeypatch.setattr(middleware, "_warned_peers", set())
    settings.PRODUCTION, settings.TRUSTED_PROXIES = True, ["10.0.0.1"]
    with caplog.at_level(logging.ERROR, logger="latchkey.proxy"):
        request = _through(settings, "10.0.0.2")
        _through(settings, "10.0.0.2")
        _through(settings, "10.0.0.1")  # trusted: believed, no warning
    assert request.META["REMOTE_ADDR"] == "10.0.0.2"  # the header was still ignored
    warnings = [r for r in caplog.records if r.name == "latchkey.proxy"]
    assert len(warnings) == 1 and "10.0.0.2" in warnings[0].getMessage()
    assert "TRUSTED_PROXIES" in warnings[0].getMessage()


def test_silent_in_development(settings, caplog, monkeypatch):
    monkeypatch.setattr(middleware, "_warned_peers", set())
    settings.PRODUCTION, settings.TRUSTED_PROXIES = False, []
    with caplog.at_level(logging.ERROR, logger="latchkey.proxy"):
        _through(settings, "10.0.0.2")
    assert not [r for r in caplog.records if r.name == "latchkey.proxy"]
