"""Start and stop a private production-like stack on loopback: PostgreSQL, Redis, gunicorn.

Reusable by any harness (benchmarks, reliability drills). Every process is started in its own
process group and recorded in the Stack; `Stack.stop()` runs on context exit, at interpreter
exit (atexit) and on SIGTERM, so nothing outlives the caller even when it fails.

    with Stack() as stack:
        pg = stack.start_postgres(16010)
        redis = stack.start_redis(16011)
        env = stack.production_env(public_url="http://localhost:16020", database_url=pg.url,
                                    redis_url=redis.url)
        stack.migrate(env)
        web = stack.start_gunicorn(16020, workers=2, env=env)
"""

from __future__ import annotations

import atexit
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_OS_USER = "postgres"  # initdb and postgres refuse to run as root
CLK_TCK = os.sysconf("SC_CLK_TCK")


class StackError(RuntimeError):
    """A service did not come up; the message carries the end of its log."""


@dataclass
class Service:
    """One started service: its name, main pid, log file and connection URL."""

    name: str
    pid: int
    log: Path
    url: str = ""
    port: int = 0
    popen: subprocess.Popen | None = None
    extra: dict = field(default_factory=dict)

    def cpu_seconds(self) -> float:
        """CPU (user+system) of the process, its live descendants and its reaped children."""
        return tree_cpu_seconds(self.pid)

    def rss_mb(self) -> list[float]:
        """Resident memory of the main process and each live descendant, in MB."""
        return [_rss_mb(pid) for pid in [self.pid, *descendants(self.pid)]]

    def alive(self) -> bool:
        """Whether the main process still runs."""
        return _stat(self.pid) is not None

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the service's log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# ---- /proc accounting -------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces; fields after the closing parenthesis are fixed.
    return raw[raw.rindex(")") + 2 :].split()


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields:
                kids.setdefault(int(fields[1]), []).append(int(entry))
    return kids


def descendants(pid: int) -> list[int]:
    """Live descendants of pid (children, grandchildren...)."""
    kids, found, todo = _children_map(), [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def process_cpu_seconds(pid: int, *, reaped: bool = True) -> float:
    """utime+stime of one process (plus cutime+cstime of its waited-for children)."""
    fields = _stat(pid)
    if not fields:
        return 0.0
    # After ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process tree, counting children that already exited and were reaped."""
    return process_cpu_seconds(pid) + sum(process_cpu_seconds(p) for p in descendants(pid))


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ---- helpers ----------------------------------------------------------------------------------


def wait_port(port: int, *, timeout: float = 30.0, service: Service | None = None) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and service.popen is not None and service.popen.poll() is not None:
            raise StackError(f"{service.name} exited:\n{service.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    tail = service.log_tail() if service else ""
    raise StackError(f"nothing listens on port {port} after {timeout}s\n{tail}")


def port_free(port: int) -> bool:
    """Whether 127.0.0.1:port can be bound."""
    with socket.socket() as probe:
        # Like the servers themselves: a port left in TIME_WAIT by a stopped service is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _as_pg_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_OS_USER, "--", *argv]
    return argv


def _kill_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ---- the stack --------------------------------------------------------------------------------


class Stack:
    """Services started by this process, stopped together (idempotently) at the end."""

    def __init__(self, workdir: str | Path | None = None, *, keep_logs: bool = False):
        """Use `workdir` (a fresh temp dir by default) for data directories and logs."""
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="latchkey-stack-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.keep_logs = keep_logs
        self.services: list[Service] = []
        self._stopped = False
        self._owner = os.getpid()  # forked children (client pools) must never stop the stack
        atexit.register(self.stop)
        self._previous_sigterm = signal.getsignal(signal.SIGTERM)
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, self._on_sigterm)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _on_sigterm(self, signum, frame):
        if os.getpid() != self._owner:
            os._exit(128 + signum)
        self.stop()
        sys.exit(128 + signum)

    def _spawn(self, name: str, argv: list[str], *, env=None, cwd=None, port=0) -> Service:
        log = self.dir / f"{name}.log"
        handle = open(log, "ab")  # noqa: SIM115 (the child keeps it open)
        popen = subprocess.Popen(
            argv,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd or ROOT,
            start_new_session=True,  # own process group: stop() signals the whole group
        )
        handle.close()
        service = Service(name=name, pid=popen.pid, log=log, popen=popen, port=port)
        self.services.append(service)
        return service

    # PostgreSQL ---------------------------------------------------------------------------

    def start_postgres(
        self,
        port: int,
        *,
        name: str = "postgres",
        database: str = "latchkey",
        settings: dict[str, str] | None = None,
        stat_statements: bool = True,
    ) -> Service:
        """initdb a fresh cluster in the work dir, start it on 127.0.0.1:port, create a db."""
        if not port_free(port):
            raise StackError(f"port {port} is taken")
        data = self.dir / f"{name}-data"
        sock = self.dir / f"{name}-sock"
        sock.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam(PG_OS_USER)
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            os.chown(sock, user.pw_uid, user.pw_gid)
            (self.dir / f"{name}.log").touch()
            os.chown(self.dir / f"{name}.log", user.pw_uid, user.pw_gid)
        initdb = _as_pg_user(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
             "--no-sync", "-E", "UTF8", "--locale", "C"]
        )
        done = subprocess.run(initdb, capture_output=True, text=True)
        if done.returncode:
            raise StackError(f"initdb failed: {done.stderr or done.stdout}")
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{sock}'",
            "max_connections": "100",
            "shared_buffers": "'64MB'",
            "logging_collector": "off",
        }
        if stat_statements:
            conf["shared_preload_libraries"] = "'pg_stat_statements'"
            conf["pg_stat_statements.track"] = "all"
        conf.update(settings or {})
        with open(data / "postgresql.conf", "a") as handle:
            handle.write("\n# latchkey stack\n")
            handle.writelines(f"{key} = {value}\n" for key, value in conf.items())
        log = self.dir / f"{name}.log"
        start = _as_pg_user(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"]
        )
        done = subprocess.run(start, capture_output=True, text=True, start_new_session=True)
        pid = _read_pid(data / "postmaster.pid")
        service = Service(
            name=name,
            pid=pid or 0,
            log=log,
            port=port,
            url=f"postgres://postgres@127.0.0.1:{port}/{database}",
            extra={"data": data, "kind": "postgres", "socket": sock},
        )
        self.services.append(service)
        if done.returncode or not pid:
            raise StackError(f"pg_ctl start failed: {done.stderr}\n{service.log_tail()}")
        self.psql(service, f"CREATE DATABASE {database}", database="postgres")
        if stat_statements:
            self.psql(service, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return service

    def psql(self, pg: Service, sql: str, *, database: str | None = None) -> str:
        """Run one SQL statement as postgres and return psql's unaligned output."""
        db = database or pg.url.rsplit("/", 1)[-1]
        done = subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
             "-d", db, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise StackError(f"psql failed: {done.stderr}")
        return done.stdout.strip()

    # Redis --------------------------------------------------------------------------------

    def start_redis(self, port: int, *, name: str = "redis", db: int = 0) -> Service:
        """A redis-server on 127.0.0.1:port without persistence."""
        if not port_free(port):
            raise StackError(f"port {port} is taken")
        argv = [
            shutil.which("redis-server") or "redis-server",
            "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", str(self.dir), "--protected-mode", "yes",
        ]
        service = self._spawn(name, argv, port=port)
        service.url = f"redis://127.0.0.1:{port}/{db}"
        service.extra["kind"] = "redis"
        wait_port(port, service=service)
        return service

    # The web app --------------------------------------------------------------------------

    def production_env(
        self,
        *,
        public_url: str,
        database_url: str,
        redis_url: str,
        **overrides: str,
    ) -> dict[str, str]:
        """Environment for LATCHKEY_ENV=production: fresh secrets (kept for the whole stack)."""
        if not hasattr(self, "_secrets"):
            self._secrets = {
                "SECRET_KEY": secrets.token_urlsafe(48),
                "KEY_ENCRYPTION_KEY": secrets.token_urlsafe(48),
            }
        env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH")
        }
        env.update(
            LATCHKEY_ENV="production",
            PUBLIC_URL=public_url,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            LATCHKEY_VAR_DIR=str(self.dir / "var"),
            DJANGO_SETTINGS_MODULE="config.settings",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            **self._secrets,
        )
        env.update(overrides)
        return env

    def manage(self, env: dict[str, str], *args: str) -> str:
        """Run `manage.py <args>` with env; raise with its output when it fails."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True,
            text=True,
        )
        if done.returncode:
            raise StackError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def python(self, env: dict[str, str], *args: str) -> str:
        """Run `python <args>` (e.g. "-m", "some.module") in the project with env."""
        done = subprocess.run(
            [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode:
            raise StackError(f"python {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def migrate(self, env: dict[str, str]) -> None:
        """Apply every migration to the stack's database."""
        self.manage(env, "migrate", "--noinput", "-v", "0")

    def start_gunicorn(
        self,
        port: int,
        workers: int,
        env: dict[str, str],
        *,
        name: str | None = None,
        app: str = "config.wsgi:application",
        extra_args: tuple[str, ...] = (),
    ) -> Service:
        """gunicorn with `workers` sync workers on 127.0.0.1:port; returns when it answers."""
        if not port_free(port):
            raise StackError(f"port {port} is taken")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        argv = [
            str(gunicorn) if gunicorn.exists() else "gunicorn",
            app,
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--worker-class", "sync",
            "--timeout", "60",
            "--graceful-timeout", "5",
            "--log-level", "warning",
            *extra_args,
        ]
        service = self._spawn(name or f"gunicorn-{port}", argv, env=env, port=port)
        service.url = f"http://127.0.0.1:{port}"
        service.extra["kind"] = "gunicorn"
        wait_port(port, timeout=60, service=service)
        deadline = time.monotonic() + 60
        while len(descendants(service.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        return service

    def start_process(self, name: str, argv: list[str], *, env=None, cwd=None, port=0):
        """Any other long-running process (a Celery worker, a proxy, a peer server)."""
        service = self._spawn(name, argv, env=env, cwd=cwd, port=port)
        if port:
            wait_port(port, timeout=60, service=service)
        return service

    # Stopping -----------------------------------------------------------------------------

    def stop_service(self, service: Service, *, timeout: float = 10.0) -> None:
        """Stop one service: pg_ctl for PostgreSQL, else SIGTERM then SIGKILL to its group."""
        if service.extra.get("kind") == "postgres":
            subprocess.run(
                _as_pg_user(
                    [str(PG_BIN / "pg_ctl"), "-D", str(service.extra["data"]), "-m", "fast",
                     "-w", "-t", str(int(timeout)), "stop"]
                ),
                capture_output=True,
            )
            if service.pid and service.alive():
                os.kill(service.pid, signal.SIGKILL)
        elif service.popen is not None and service.popen.poll() is None:
            _kill_group(service.pid, signal.SIGTERM)
            try:
                service.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _kill_group(service.pid, signal.SIGKILL)
                service.popen.wait(5)
        if service.popen is not None:
            # Stray grandchildren (e.g. workers) still in the group.
            _kill_group(service.pid, signal.SIGKILL)
        if service in self.services:
            self.services.remove(service)

    def stop(self) -> None:
        """Stop every service (newest first) and remove the work dir unless asked to keep it."""
        if self._stopped or os.getpid() != self._owner:
            return
        self._stopped = True
        for service in reversed(list(self.services)):
            try:
                self.stop_service(service)
            except Exception as exc:  # keep stopping the others
                print(f"stack: stopping {service.name} failed: {exc}", file=sys.stderr)
        if self._own_dir and not self.keep_logs:
            shutil.rmtree(self.dir, ignore_errors=True)
        if signal.getsignal(signal.SIGTERM) == self._on_sigterm:
            signal.signal(signal.SIGTERM, self._previous_sigterm or signal.SIG_DFL)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
