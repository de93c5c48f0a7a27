"""`make bench`: the production-stack benchmark (gunicorn, PostgreSQL, Redis, and the peer).

python -m bench [--quick] [--no-peer] [--out DIR]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import calibrate, profile, report, runner, scenarios  # noqa: E402
from bench.stack import Stack, StackError, port_free  # noqa: E402

PEER_DIR = Path(__file__).resolve().parent / "peer"
FULL = {"register_open": 150, "register_proof": 100, "signin": 500, "signin_autofill": 500,
        "token_code": 500,
        "discovery": 2000, "jwks": 2000, "floor": 2000, "peer_token_code": 500,
        "peer_discovery": 2000, "peer_jwks": 2000}
QUICK = {"register_open": 6, "register_proof": 4, "signin": 6, "signin_autofill": 6,
         "token_code": 8,
         "discovery": 40, "jwks": 40, "floor": 400, "peer_token_code": 8, "peer_discovery": 40,
         "peer_jwks": 40}


def free_port(start: int, end: int, taken: set[int]) -> int:
    """A bindable port of our range not handed out yet, from a random place in it (two
    benches started together would otherwise race for the same first port)."""
    offset = secrets.randbelow(end - start)
    for port in [*range(start + offset, end), *range(start, start + offset)]:
        if port not in taken and port_free(port):
            taken.add(port)
            return port
    raise StackError(f"no free port in {start}-{end}")


def peer_install() -> Path | None:
    """npm-install the pinned oidc-provider into a scratch folder (reused while unchanged)."""
    if not shutil.which("node") or not shutil.which("npm"):
        print("bench: node/npm missing, the peer is skipped", file=sys.stderr)
        return None
    package = (PEER_DIR / "package.json").read_bytes()
    digest = hashlib.sha256(package).hexdigest()[:10]
    scratch = Path(
        os.environ.get("BENCH_PEER_DIR")
        or Path(tempfile.gettempdir()) / f"latchkey-bench-peer-{digest}"
    )
    scratch.mkdir(parents=True, exist_ok=True)
    shutil.copy(PEER_DIR / "package.json", scratch / "package.json")
    shutil.copy(PEER_DIR / "server.mjs", scratch / "server.mjs")
    if not (scratch / "node_modules" / "oidc-provider").exists():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error"],
            cwd=scratch, check=True, timeout=300, stdout=sys.stderr,
        )
    return scratch


def start_web(stack, port: int, env: dict):
    """gunicorn as the operator guide runs it: config/gunicorn_conf.py, and an empty
    PROMETHEUS_MULTIPROC_DIR (the workers' metrics shared through files)."""
    metrics = stack.dir / "metrics"
    metrics.mkdir(exist_ok=True)
    conf = Path(__file__).resolve().parent.parent / "config" / "gunicorn_conf.py"
    return stack.start_gunicorn(
        port,
        workers=2,
        env={**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
        extra_args=("-c", str(conf)),
    )


def get_json(base_port: int, host: str, path: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{base_port}{path}", headers={"Host": host})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke test")
    parser.add_argument("--no-peer", action="store_true", help="skip oidc-provider")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--profile", metavar="SCENARIO", help="py-spy the workers during it")
    parser.add_argument("--signins", type=int, help="override the number of sign-ins")
    parser.add_argument("--tokens", type=int, help="override the number of code exchanges")
    parser.add_argument(
        "--registrations", type=int, help="override both registration counts (open and proof)"
    )
    args = parser.parse_args()
    counts = dict(QUICK if args.quick else FULL)
    if args.signins:
        counts["signin"] = counts["signin_autofill"] = args.signins
        counts["register_open"] = max(counts["register_open"], min(args.signins, 100))
    if args.tokens:
        counts["token_code"] = args.tokens
    if args.registrations:
        counts["register_open"] = counts["register_proof"] = args.registrations
    started = time.time()
    machine_speed = calibrate.speed()
    taken: set[int] = set()
    results: list[dict] = []
    with Stack() as stack:
        pg = stack.start_postgres(free_port(16010, 16900, taken))
        redis = stack.start_redis(free_port(16010, 16900, taken))
        web_port = free_port(16010, 16900, taken)
        base = f"http://localhost:{web_port}"
        mailbox = stack.dir / "mailbox"
        mailbox.mkdir()
        env = stack.production_env(
            public_url=base,
            database_url=pg.url,
            redis_url=redis.url,
            ALLOWED_HOSTS="localhost",
            # The load comes through "a proxy" on loopback, one X-Forwarded-For per user.
            TRUSTED_PROXIES="127.0.0.1",
            EMAIL_BACKEND="bench.mailbox.EmailBackend",
            BENCH_MAILBOX=str(mailbox),
        )
        stack.migrate(env)
        seed = json.loads(stack.python(env, "-m", "bench.seed").strip().splitlines()[-1])
        web = start_web(stack, web_port, env)
        issuer = f"{base}/t/{seed['tenant']}"
        app = scenarios.Target(
            base=base, port=web_port, issuer=issuer, client_id=seed["client_id"],
            client_secret=seed["client_secret"], redirect_uri=seed["redirect_uri"],
            tenant=seed["tenant"], proof_tenant=seed["proof_tenant"], mailbox=str(mailbox),
        )
        app.jwks = get_json(web_port, f"localhost:{web_port}", f"/t/{app.tenant}/jwks")
        meter = runner.Meter(app=[web], postgres=pg, redis=redis)

        def run(name, fn, items, target=app, m=meter):
            print(f"bench: {name} × {len(items)}", file=sys.stderr, flush=True)
            recorder = None
            if name == args.profile:
                recorder = profile.Recorder(web.pid, stack.dir / "profile.txt")
                time.sleep(1.0)
            result = runner.run(name, fn, target, items, meter=m, processes=args.processes)
            if recorder is not None:
                recorder.stop()
                summary = profile.summarise(stack.dir / "profile.txt")
                Path(args.out).mkdir(parents=True, exist_ok=True)
                (Path(args.out) / f"profile-{name}.json").write_text(json.dumps(summary, indent=2))
                shutil.copy(stack.dir / "profile.txt", Path(args.out) / f"profile-{name}.txt")
                print(json.dumps(summary, indent=2), file=sys.stderr)
            results.append(result)
            for sample in result["error_samples"]:
                print(f"  error: {sample}", file=sys.stderr)
            return result

        # Warm both workers (imports, first connections, template loading) off the clock.
        warm = runner.run("warm", scenarios.register_open, app, [None] * 8, meter=meter)
        runner.run("warm", scenarios.signin_as, app, warm["payloads"], meter=meter)
        runner.run("warm", scenarios.fetch("jwks"), app, [None] * 20, meter=meter)
        runner.run("warm", scenarios.fetch(".well-known/openid-configuration"), app,
                   [None] * 20, meter=meter)

        opened = run("register_open", scenarios.register_open, [None] * counts["register_open"])
        run("register_proof", scenarios.register_proof, [None] * counts["register_proof"])
        members = opened.pop("payloads") or warm["payloads"]
        signin_members = [members[i % len(members)] for i in range(counts["signin"])]
        run("signin", scenarios.signin_as, signin_members)
        run("signin_autofill", scenarios.signin_autofill_as, signin_members)
        codes = _mint(app, members, counts["token_code"], args.processes, meter)
        run("token_code", scenarios.token_code, codes)
        run("discovery", scenarios.fetch(".well-known/openid-configuration"),
            [None] * counts["discovery"])
        run("jwks", scenarios.fetch("jwks"), [None] * counts["jwks"])
        # The floor under every request: a static response through the whole middleware stack
        # and the tenant resolver, and the liveness probe answered by the first middleware.
        run("floor", scenarios.floor("oidc/form-post.js", tenant_scoped=True),
            [None] * counts["floor"])
        run("floor_live", scenarios.floor("/health/live", tenant_scoped=False),
            [None] * counts["floor"])
        users_page = report.users_page_hook()
        if users_page is not None:
            print("bench: users page", file=sys.stderr, flush=True)
            if args.quick:
                os.environ["BENCH_USERS"] = "2000"
                from bench import users_page as users_module

                users_module.USERS = 2000
            results.append(users_page(stack, env, pg))

        peer_dir = None if args.no_peer else peer_install()
        if peer_dir is not None:
            peer_redis = stack.start_redis(free_port(16010, 16900, taken), name="peer-redis")
            peer_port = free_port(16010, 16900, taken)
            peer = scenarios.Target(
                base=f"http://localhost:{peer_port}", port=peer_port,
                issuer=f"http://localhost:{peer_port}", client_id="bench-rp",
                client_secret=seed["client_secret"], redirect_uri=seed["redirect_uri"],
            )
            node = stack.start_process(
                "peer",
                ["node", "server.mjs"],
                cwd=peer_dir,
                port=peer_port,
                env={
                    "PATH": os.environ.get("PATH", ""), "PORT": str(peer_port),
                    "REDIS_URL": peer_redis.url, "ISSUER": peer.issuer, "WORKERS": "2",
                    "CLIENT_ID": peer.client_id, "CLIENT_SECRET": peer.client_secret,
                    "REDIRECT_URI": peer.redirect_uri, "NODE_ENV": "production",
                },
            )
            _wait_workers(node, 2)
            peer_meter = runner.Meter(app=[node], postgres=None, redis=peer_redis)
            for path in ("jwks", ".well-known/openid-configuration"):
                runner.run("warm", scenarios.fetch(path), peer, [None] * 50, meter=peer_meter)
            warm_codes = scenarios.mint_peer_codes(peer, 20)
            runner.run("warm", scenarios.token_code, peer, warm_codes, meter=peer_meter)
            peer_codes = []
            while len(peer_codes) < counts["peer_token_code"]:
                peer_codes += scenarios.mint_peer_codes(peer, 100)
            peer_codes = peer_codes[: counts["peer_token_code"]]
            run("peer_token_code", scenarios.token_code, peer_codes, target=peer, m=peer_meter)
            run("peer_discovery", scenarios.fetch(".well-known/openid-configuration"),
                [None] * counts["peer_discovery"], target=peer, m=peer_meter)
            run("peer_jwks", scenarios.fetch("jwks"), [None] * counts["peer_jwks"],
                target=peer, m=peer_meter)
            peer_meter.close()
        meter.close()
        meta = {
            "mode": "quick" if args.quick else "full",
            "seconds": round(time.time() - started, 1),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
            "load": os.getloadavg(),
            "gunicorn_workers": 2,
            "client_processes": args.processes,
            **machine_speed,
        }
    table = report.write(results, meta, Path(args.out), quick=args.quick)
    print(table)
    failed = sum(r["errors"] for r in results)
    return 1 if failed else 0


def _mint(app, members, count, processes, meter):
    per = max(1, -(-count // processes))
    mint = functools.partial(scenarios.mint_batch, per)
    done = runner.run("mint", mint, app, members[:processes], meter=meter, processes=processes)
    codes = [code for batch in done["payloads"] for code in batch]
    if len(codes) < count:
        raise StackError(f"minted {len(codes)} codes of {count}: {done['error_samples']}")
    return codes[:count]


def _wait_workers(service, workers: int, timeout: float = 60.0) -> None:
    from bench.stack import descendants

    deadline = time.monotonic() + timeout
    while len(descendants(service.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)


if __name__ == "__main__":
    sys.exit(main())
