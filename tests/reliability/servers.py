"""Real processes for the outage tests: a gunicorn node on the test database, a private Redis."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.support.backends import require_backend
from tests.tenants.keys_processes import child_env

# Our own port range (17000-17999); the unit tests use its top hundred.
PORTS = range(17900, 18000)
GUNICORN = Path(settings.BASE_DIR) / ".venv" / "bin" / "gunicorn"


def free_port() -> int:
    """A port of our range that nothing listens on."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 17900-17999")


def wait_until(check, seconds: float = 30.0) -> bool:
    """Poll `check` until it is true or the time is up (bounded, for start-up only)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    return False


def needs_postgres():
    require_backend("postgresql", "the server process must share the test database")


@contextlib.contextmanager
def web_node(**env):
    """A gunicorn node (1 worker, DEBUG off) on the test database; yields its base URL."""
    needs_postgres()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="lk-node-", suffix=".log", delete=False)
    environment = child_env(
        DEBUG="false",
        PUBLIC_URL=base,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        **env,
    )
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    executable = str(GUNICORN) if GUNICORN.exists() else shutil.which("gunicorn")
    proc = subprocess.Popen(
        [executable, "-c", "config/gunicorn_conf.py", "config.wsgi"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        up = wait_until(lambda: requests.get(f"{base}/health/live", timeout=2).ok)
        assert up, Path(log.name).read_text()[-3000:]
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        node_log = Path(log.name).read_text()
        os.unlink(log.name)
        web_node.last_log = node_log


web_node.last_log = ""


class PrivateRedis:
    """A redis-server of our own, to stop and start under a running node."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("needs redis-server")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(self._answers, 10), "redis-server did not start"

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@contextlib.contextmanager
def private_redis():
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
