"""Test helpers: point a child process (script or Celery worker) at the pytest database."""

from __future__ import annotations

import os
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def child_env(**extra) -> dict:
    """Environment for a child process using the test database and the same KEK and var dir."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    url = f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "KEY_ENCRYPTION_KEY": settings.KEY_ENCRYPTION_KEY,
            "KEY_ENCRYPTION_KEY_PREVIOUS": ",".join(settings.KEY_ENCRYPTION_KEY_PREVIOUS),
            "LATCHKEY_VAR_DIR": str(settings.VAR_DIR),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(settings.BASE_DIR),
        }
    )
    env.update(extra)
    return env
