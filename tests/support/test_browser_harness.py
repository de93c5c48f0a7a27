"""Prove the Playwright + Chromium + virtual-authenticator harness works, without Django."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# Dedupes with a root conftest listing the same plugin, so the session browser is shared.
pytest_plugins = ["tests.support.browser"]

PAGE = b"""<!doctype html>
<html><head><title>harness</title></head><body>
<script>
const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
  .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const rand = (n) => crypto.getRandomValues(new Uint8Array(n));

async function ceremony() {
  const created = await navigator.credentials.create({publicKey: {
    challenge: rand(32),
    rp: {id: "localhost", name: "Latchkey harness"},
    user: {id: rand(16), name: "alice@example.test", displayName: "Alice"},
    pubKeyCredParams: [{type: "public-key", alg: -7}, {type: "public-key", alg: -257}],
    authenticatorSelection: {residentKey: "required", requireResidentKey: true,
                             userVerification: "required"},
    extensions: {credProps: true},
  }});
  const asserted = await navigator.credentials.get({publicKey: {
    challenge: rand(32), rpId: "localhost", userVerification: "required",
  }});
  return {
    createdId: created.id,
    createdType: created.type,
    rk: created.getClientExtensionResults().credProps?.rk ?? null,
    assertedId: asserted.id,
    userHandle: b64url(asserted.response.userHandle),
    uvFlag: (new Uint8Array(asserted.response.authenticatorData)[32] & 0x04) !== 0,
  };
}
</script>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server naming
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def static_origin() -> Iterator[str]:
    """Serve PAGE on a random 127.0.0.1 port; yield its http://localhost origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_virtual_authenticator_create_and_get(page, static_origin):
    # Imported late so pytest_plugins registers (and assert-rewrites) the module first.
    from tests.support.browser import add_virtual_authenticator, get_credentials

    cdp, authenticator_id = add_virtual_authenticator(page)
    page.goto(static_origin + "/")

    result = page.evaluate("ceremony()")

    assert result["createdType"] == "public-key"
    assert result["rk"] is True
    assert result["assertedId"] == result["createdId"]
    assert result["uvFlag"] is True
    creds = get_credentials(cdp, authenticator_id)
    assert len(creds) == 1
    assert creds[0]["isResidentCredential"] is True
    assert creds[0]["rpId"] == "localhost"
    assert creds[0]["userHandle"].rstrip("=") == result["userHandle"].replace("-", "+").replace(
        "_", "/"
    )
