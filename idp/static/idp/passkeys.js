/* Sign-in and account page helpers on top of latchkey/webauthn.js (no inline scripts: strict CSP). */
"use strict";
(function () {
  const W = window.LatchkeyWebAuthn;

  function show(root, id) {
    root.querySelectorAll("section[id^=step-]").forEach(function (s) { s.hidden = s.id !== id; });
  }

  /* A page whose button creates a passkey: options, create, verify, then follow the redirect. */
  function bindCreate(rootId, buttonId) {
    const root = document.getElementById(rootId);
    if (!root) return;
    const button = document.getElementById(buttonId);

    async function run() {
      button.disabled = true;
      show(root, "step-working");
      try {
        const options = await W.postJSON(root.dataset.optionsUrl, {});
        const credential = await W.create(options.publicKey);
        const result = await W.postJSON(root.dataset.verifyUrl, { handle: options.handle, credential: credential });
        window.location.assign(result.redirect);
      } catch (err) {
        if (err && err.body && err.body.reauth && err.body.redirect) {
          // The sign-in is too old to change passkeys: sign in again, then come back.
          window.location.assign(err.body.redirect);
          return;
        }
        document.getElementById("error-text").textContent = W.explain(err, "create");
        show(root, "step-error");
        button.disabled = false;
      }
    }

    button.addEventListener("click", run);
    document.getElementById("try-again").addEventListener("click", run);
  }

  window.Latchkey = Object.assign({}, W, { show: show, bindCreate: bindCreate });
})();
