"""The drill's stack, built on bench.stack: PostgreSQL, Redis, two gunicorn nodes, HAProxy,
a Celery worker and beat, plus the levers the faults pull (stop, restart, SIGKILL)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.stack import (
    PG_BIN,
    ROOT,
    Service,
    Stack,
    StackError,
    _as_pg_user,
    _read_pid,
    port_free,
)

# Our port range is 17000-17999.
PG_PORT, REDIS_PORT, PROXY_PORT = 17010, 17011, 17080
NODE_PORTS = (17021, 17022)
PUBLIC_URL = f"http://localhost:{PROXY_PORT}"
HAPROXY_CONFIG = """\
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout queue 20s
    retries 2
    option redispatch
    option forwardfor
    option http-server-close
frontend web
    bind 127.0.0.1:{proxy}
    unique-id-format %[uuid()]
    http-request set-header X-Request-ID %[unique-id] unless {{ req.hdr(x-request-id) -m found }}
    # No node ready: people get a page, programs JSON (as the app itself answers).
    acl none_ready nbsrv(nodes) eq 0
    acl wants_html req.hdr(accept) -m sub text/html
    http-request return status 503 content-type "text/html" {page} if none_ready wants_html
    http-request return status 503 content-type "application/json" {json} if none_ready
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    # A sync worker serves one request at a time: queue the rest here, not in the node's
    # backlog, so the health check never waits behind a crowd (and times out on a busy node).
    timeout check 5s
    default-server inter 1s fall 3 rise 2 maxconn 2
    # Which node answered, so the drill can show that one sign-in used both.
    http-response set-header X-Node %[srv_name]
{servers}
"""


PROXY_PAGE = (
    'string "<!doctype html><title>Temporarily unavailable</title>'
    "<h1>Temporarily unavailable</h1>"
    '<p>Please try again in a moment.</p>" hdr Retry-After 5'
)
PROXY_JSON = 'string "{\\"error\\": \\"temporarily_unavailable\\"}" hdr Retry-After 5'


def haproxy_binary() -> str:
    """Debian's haproxy (CI installs it in .ci/run)."""
    found = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if not found:
        raise StackError("haproxy is not installed (apt-get install haproxy)")
    return found


@dataclass
class Cluster:
    """Everything the drill started; every lever records nothing, the drill times it."""

    stack: Stack
    env: dict = field(default_factory=dict)
    pg: Service | None = None
    redis: Service | None = None
    nodes: dict = field(default_factory=dict)
    proxy: Service | None = None
    worker: Service | None = None
    beat: Service | None = None
    metrics_token: str = ""
    seed: dict = field(default_factory=dict)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{PROXY_PORT}"

    def node_url(self, index: int) -> str:
        return f"http://127.0.0.1:{NODE_PORTS[index]}"

    def metrics_dir(self, name: str) -> Path:
        return self.stack.dir / f"metrics-{name}"

    # --- start ---------------------------------------------------------------------------

    def start(self, tenants: int = 3) -> None:
        """PostgreSQL, Redis, migrations, seed data, two nodes, the proxy, worker and beat."""
        self.pg = self.stack.start_postgres(PG_PORT, stat_statements=False)
        self.redis = self.stack.start_redis(REDIS_PORT)
        self.metrics_token = secrets.token_urlsafe(24)
        self.env = self.stack.production_env(
            public_url=PUBLIC_URL,
            database_url=self.pg.url,
            redis_url=self.redis.url,
            ALLOWED_HOSTS="localhost,127.0.0.1",
            TRUSTED_PROXIES="127.0.0.1",
            DEBUG="false",
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            METRICS_TOKEN=self.metrics_token,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            # Short rotation so the "week without Celery" makes one rotation due.
            KEY_ROTATION_DAYS="3",
            KEY_PUBLISH_AHEAD_HOURS="24",
            KEY_ROTATION_CHECK_SECONDS="5",
            PYTHONPATH=str(ROOT),
        )
        self.stack.migrate(self.env)
        seeded = subprocess.run(
            [sys.executable, "-m", "reliability.seed", str(tenants)],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if seeded.returncode:
            raise StackError(f"seed failed:\n{seeded.stdout}{seeded.stderr}")
        self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        for index in range(len(NODE_PORTS)):
            self.start_node(index)
        self.start_proxy()
        self.start_celery()

    def node_env(self, index: int) -> dict:
        directory = self.metrics_dir(f"node{index + 1}")
        directory.mkdir(exist_ok=True)
        return {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(directory)}

    def start_node(self, index: int) -> Service:
        port = NODE_PORTS[index]
        node = self.stack.start_gunicorn(
            port,
            2,
            self.node_env(index),
            name=f"node{index + 1}",
            extra_args=("-c", str(ROOT / "config" / "gunicorn_conf.py")),
        )
        self.nodes[index] = node
        return node

    def start_proxy(self) -> None:
        servers = "\n".join(
            f"    server node{i + 1} 127.0.0.1:{port} check" for i, port in enumerate(NODE_PORTS)
        )
        config = self.stack.dir / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(
                proxy=PROXY_PORT, servers=servers, page=PROXY_PAGE, json=PROXY_JSON
            )
        )
        self.proxy = self.stack.start_process(
            "haproxy", [haproxy_binary(), "-db", "-f", str(config)], port=PROXY_PORT
        )

    def celery_env(self) -> dict:
        directory = self.metrics_dir("celery")
        directory.mkdir(exist_ok=True)
        return {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(directory)}

    def start_celery(self) -> None:
        celery = str(Path(sys.executable).with_name("celery"))
        env = self.celery_env()
        self.worker = self.stack.start_process(
            "celery-worker",
            [
                celery,
                "-A",
                "config",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
        )
        self.beat = self.stack.start_process(
            "celery-beat",
            [
                celery,
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.stack.dir / "beat-schedule"),
            ],
            env=env,
        )

    # --- levers --------------------------------------------------------------------------

    def stop_redis(self) -> None:
        self.stack.stop_service(self.redis)

    def start_redis(self) -> None:
        self.redis = self.stack.start_redis(REDIS_PORT)

    def restart_postgres(self) -> None:
        """pg_ctl restart -m fast: every open connection is cut, the cluster comes back."""
        data = self.pg.extra["data"]
        done = subprocess.run(
            _as_pg_user(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.pg.log),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "60",
                    "restart",
                ]
            ),
            capture_output=True,
            text=True,
            start_new_session=True,
        )
        if done.returncode:
            raise StackError(f"pg_ctl restart failed: {done.stderr}")
        self.pg.pid = _read_pid(data / "postmaster.pid") or self.pg.pid

    def kill_node(self, index: int) -> None:
        """SIGKILL the node's master and workers at once (no graceful anything)."""
        node = self.nodes[index]
        try:
            os.killpg(node.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if node.popen is not None:
            node.popen.wait(10)
        self.stack.stop_service(node)
        # Workers die a moment after their master; until then the listening socket is open.
        wait_for(lambda: port_free(node.port), 15, 0.1)

    def stop_celery(self) -> None:
        for service in (self.beat, self.worker):
            if service is not None:
                self.stack.stop_service(service)
        self.beat = self.worker = None

    # --- reads ---------------------------------------------------------------------------

    def ready(self, base: str) -> bool:
        try:
            return requests.get(f"{base}/health/ready", timeout=3).status_code == 200
        except requests.RequestException:
            return False

    def scrape(self, base: str) -> str:
        answer = requests.get(
            f"{base}/metrics",
            headers={"Authorization": f"Bearer {self.metrics_token}"},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.text

    def logs(self) -> dict[str, str]:
        """Every log the stack wrote (nodes, workers, proxy, databases)."""
        found = {}
        for path in sorted(self.stack.dir.glob("*.log")):
            found[path.name] = path.read_text(errors="replace")
        return found


def wait_for(check, seconds: float, step: float = 0.25) -> float | None:
    """Seconds until `check()` was true, or None when `seconds` ran out (always bounded)."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        try:
            if check():
                return time.monotonic() - began
        except Exception:  # a check against a service that is down is just "not yet"
            pass
        time.sleep(step)
    return None
