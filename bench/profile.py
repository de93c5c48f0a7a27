"""Sample the gunicorn workers with py-spy during one scenario and summarise where time goes."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

# First matching marker in a frame's file path names the layer the time is spent in.
CATEGORIES = (
    ("django ORM: SQL compiling", ("django/db/models/sql",)),
    ("django ORM: querysets and models", ("django/db/models",)),
    ("database driver (psycopg)", ("psycopg", "django/db/backends")),
    ("templates", ("django/template",)),
    ("crypto (WebAuthn, JWT, RSA)", ("webauthn", "jwcrypto", "cryptography", "cbor2")),
    ("oauthlib / DOT", ("oauthlib", "oauth2_provider")),
    ("redis client", ("redis/", "django/core/cache")),
    ("sessions, CSRF, auth middleware", ("django/contrib/sessions", "django/middleware",
                                          "django/contrib/auth")),
    ("URL routing, request/response", ("django/urls", "django/http", "django/core/handlers")),
    ("gunicorn, WSGI, sockets", ("gunicorn",)),
    # py-spy names our frames relative to the checkout: "(idp/views_oidc.py:12)".
    ("Latchkey code", ("(idp/", "(accounts/", "(tenants/", "(config/", "(portal/")),
)


class Recorder:
    """py-spy record on a process tree; stop() writes collapsed stacks to `path`."""

    def __init__(self, pid: int, path: Path, rate: int = 250):
        self.path = path
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.proc = subprocess.Popen(
            # --gil: only samples holding the GIL, i.e. Python CPU work, not waits on sockets.
            [exe, "record", "--pid", str(pid), "--subprocesses", "--gil", "--format", "raw",
             "--rate", str(rate), "--output", str(path), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def summarise(path: Path, top: int = 12) -> dict:
    """Inclusive share of busy samples per category (by innermost matching frame) and per
    function, ignoring samples where the worker waits for a request."""
    per_category: Counter = Counter()
    per_function: Counter = Counter()
    busy = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if any("wait (gunicorn" in f or "select (selectors" in f or "accept" in f
               for f in frames[-2:]):
            continue  # idle: waiting for the next connection
        n = int(count)
        busy += n
        category = "other"
        for frame in reversed(frames):
            hit = next((name for name, marks in CATEGORIES if any(m in frame for m in marks)),
                       None)
            if hit is not None:
                category = hit
                break
        per_category[category] += n
        for frame in set(frames):
            if "/site-packages/" not in frame and any(
                m in frame for m in ("(idp/", "(accounts/", "(tenants/", "(config/")
            ):
                per_function[frame.split(" (")[0] + " " + frame.split("/")[-1]] += n
    share = {k: round(100 * v / busy, 1) for k, v in per_category.most_common()} if busy else {}
    functions = {k: round(100 * v / busy, 1) for k, v in per_function.most_common(top)}
    return {"busy_samples": busy, "by_layer_pct": share, "our_functions_inclusive_pct": functions}
