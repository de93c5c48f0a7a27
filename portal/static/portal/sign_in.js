/* Portal sign-in: passkey autofill on the Email field (conditional mediation) and a button. */
(function () {
  "use strict";
  const W = window.LatchkeyWebAuthn;
  const root = document.getElementById("passkey-sign-in");
  if (!root || !W.supported()) return;
  const errorEl = document.getElementById("passkey-error");
  let pending = null;

  async function ceremony(conditional) {
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    const start = await W.postJSON(root.dataset.optionsUrl, {}, root);
    const opts = { signal: controller.signal };
    const credential = conditional
      ? await W.conditionalGet(start.publicKey, opts)
      : await W.get(start.publicKey, opts);
    if (pending === controller) pending = null;
    if (!credential) return;
    const done = await W.postJSON(
      root.dataset.verifyUrl, { handle: start.handle, credential: credential }, root
    );
    window.location.assign(done.redirect);
  }

  function report(err) {
    if (err && err.name === "AbortError") return;
    W.showError(errorEl, W.explain(err, "get"));
  }

  document.getElementById("passkey-button").addEventListener("click", function () {
    W.showError(errorEl, "");
    ceremony(false).catch(report);
  });

  W.conditionalAvailable().then(function (ok) {
    if (ok) ceremony(true).catch(report);
  });
})();
