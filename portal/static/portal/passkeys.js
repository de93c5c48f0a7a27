/* My passkeys: fresh passkey check, then create a new passkey. */
(function () {
  "use strict";
  const W = window.LatchkeyWebAuthn;
  const root = document.getElementById("passkeys");
  if (!root) return;
  const errorEl = document.getElementById("passkey-error");

  async function reauth() {
    const start = await W.postJSON(root.dataset.reauthOptionsUrl, {}, root);
    const cred = await navigator.credentials.get({ publicKey: W.requestOptions(start.publicKey) });
    await W.postJSON(
      root.dataset.reauthVerifyUrl, { handle: start.handle, credential: W.credentialToJSON(cred) }, root
    );
  }

  async function register() {
    const start = await W.postJSON(root.dataset.registerOptionsUrl, {}, root);
    const cred = await navigator.credentials.create({ publicKey: W.creationOptions(start.publicKey) });
    const name = (document.getElementById("passkey-name").value || "").trim();
    const done = await W.postJSON(
      root.dataset.registerVerifyUrl,
      { handle: start.handle, credential: W.credentialToJSON(cred), name: name },
      root
    );
    window.location.assign(done.redirect);
  }

  function report(err) {
    W.showError(errorEl, (err && err.message) || "The passkey ceremony failed.");
  }

  const reauthButton = document.getElementById("reauth-button");
  if (reauthButton) {
    reauthButton.addEventListener("click", function () {
      W.showError(errorEl, "");
      reauth().then(function () { window.location.reload(); }).catch(report);
    });
  }
  document.getElementById("add-passkey").addEventListener("click", function () {
    W.showError(errorEl, "");
    register().catch(report);
  });
})();
