/* My passkeys: fresh passkey check, then create a new passkey (WebAuthn via latchkey/webauthn.js). */
(function () {
  "use strict";
  const W = window.LatchkeyWebAuthn;
  const root = document.getElementById("passkeys");
  if (!root) return;
  const errorEl = document.getElementById("passkey-error");

  async function reauth() {
    const start = await W.postJSON(root.dataset.reauthOptionsUrl, {}, root);
    const credential = await W.get(start.publicKey);
    await W.postJSON(root.dataset.reauthVerifyUrl, { handle: start.handle, credential: credential }, root);
  }

  async function register() {
    const start = await W.postJSON(root.dataset.registerOptionsUrl, {}, root);
    const credential = await W.create(start.publicKey);
    const name = (document.getElementById("passkey-name").value || "").trim();
    const done = await W.postJSON(
      root.dataset.registerVerifyUrl, { handle: start.handle, credential: credential, name: name }, root
    );
    window.location.assign(done.redirect);
  }

  function reporter(kind) {
    return function (err) { W.showError(errorEl, W.explain(err, kind)); };
  }

  const reauthButton = document.getElementById("reauth-button");
  if (reauthButton) {
    reauthButton.addEventListener("click", function () {
      W.showError(errorEl, "");
      reauth().then(function () { window.location.reload(); }).catch(reporter("get"));
    });
  }
  document.getElementById("add-passkey").addEventListener("click", function () {
    W.showError(errorEl, "");
    register().catch(reporter("create"));
  });
})();
