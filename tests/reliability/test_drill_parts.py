"""The drill's own checks: the log search finds secrets, the report has the promised fields."""

from __future__ import annotations

import json

from reliability import report
from reliability.checks import metric_sum, parse_counters, secrets_in_logs


def test_the_log_search_finds_tokens_codes_and_private_keys():
    token = "lk_" + "A1b2C3d4" * 5
    logs = {
        "node1.log": '{"msg": "GET /t/x/sign-in/ 200"}\n{"msg": "token ' + token + ' seen"}',
        "node2.log": "-----BEGIN PRIVATE KEY-----\nMIIE",
        "clean.log": '{"msg": "POST /t/x/token 200", "request_id": "abc123abc123"}',
    }
    found = secrets_in_logs(logs, {token, "a-code-value-123"})
    assert found == ["node1.log:2: a secret value", "node2.log:1: private key material"]


def test_metrics_from_several_nodes_are_added_up():
    text = 'latchkey_signins_total{method="email",tenant="a"} 2.0\n'
    other = 'latchkey_signins_total{method="email",tenant="b"} 3.0\n'
    totals = parse_counters([text, other])
    assert metric_sum(totals, "latchkey_signins_total") == 5
    assert metric_sum(totals, "latchkey_signins_total", tenant="a") == 2


def test_latest_json_has_the_fields_the_issue_names(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    summary = {
        "requests": 10,
        "successes": 9,
        "errors_by_kind": {"sign-in authorize: 503": 1},
        "unexplained_5xx": 0,
        "explained_5xx": 1,
        "data_lost": 0,
        "invariants": {"no duplicate users": True},
        "faults": [
            {"name": "redis", "injected_at": 1.0, "recovered": True, "seconds_to_recover": 2.0}
        ],
        "figures": {},
        "passed": True,
        "duration_seconds": 3.0,
    }
    path = report.write(summary)
    stored = json.loads(path.read_text())
    for key in ("requests", "successes", "errors_by_kind", "unexplained_5xx", "data_lost"):
        assert key in stored
    assert set(stored["faults"][0]) >= {"name", "injected_at", "recovered", "seconds_to_recover"}
    assert "reliability: PASSED" in report.table(summary)
    assert (tmp_path / "latest.md").read_text().startswith("# Reliability drill")


def test_the_relying_partys_signature_check_refuses_forged_and_unknown_keys():
    """The drill's ID-token check: the kid's key from JWKS over HTTP, refetched on a new kid."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from joserfc import jwt
    from joserfc.jwk import RSAKey

    from reliability.journeys import JwksCache

    published = [RSAKey.generate_key(2048, parameters={"kid": "k1"})]
    fetches = []

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):
            fetches.append(self.path)
            body = json.dumps({"keys": [k.as_dict(private=False) for k in published]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/jwks"
    try:
        cache = JwksCache()
        signed = jwt.encode({"alg": "RS256", "kid": "k1"}, {"sub": "a"}, published[0])
        assert cache.verifies(signed, url)
        head, claims, signature = signed.split(".")
        tail = "AAAA" if not signature.endswith("AAAA") else "BBBB"
        forged = ".".join([head, claims, signature[:-4] + tail])
        assert not cache.verifies(forged, url)
        stranger = RSAKey.generate_key(2048, parameters={"kid": "k2"})
        assert not cache.verifies(jwt.encode({"alg": "RS256", "kid": "k2"}, {}, stranger), url)
        assert len(fetches) == 2  # the unknown kid made it look again
        published.append(RSAKey.generate_key(2048, parameters={"kid": "k3"}))  # a rotation
        assert cache.verifies(jwt.encode({"alg": "RS256", "kid": "k3"}, {}, published[1]), url)
    finally:
        server.shutdown()
