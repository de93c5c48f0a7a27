/* Portal sign-in: passkey autofill on the Email field (conditional mediation) and a button. */
(function () {
  "use strict";
  const W = window.LatchkeyWebAuthn;
  const root = document.getElementById("passkey-sign-in");
  if (!root || !window.PublicKeyCredential) return;
  const errorEl = document.getElementById("passkey-error");
  let pending = null;

  async function ceremony(mediation) {
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    const start = await W.postJSON(root.dataset.optionsUrl, {}, root);
    const options = { publicKey: W.requestOptions(start.publicKey), signal: controller.signal };
    if (mediation) options.mediation = mediation;
    const cred = await navigator.credentials.get(options);
    if (pending === controller) pending = null;
    const done = await W.postJSON(
      root.dataset.verifyUrl, { handle: start.handle, credential: W.credentialToJSON(cred) }, root
    );
    window.location.assign(done.redirect);
  }

  function report(err) {
    if (err && err.name === "AbortError") return;
    W.showError(errorEl, (err && err.message) || "Passkey sign-in failed.");
  }

  document.getElementById("passkey-button").addEventListener("click", function () {
    W.showError(errorEl, "");
    ceremony(null).catch(report);
  });

  if (PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
      if (ok) ceremony("conditional").catch(report);
    });
  }
})();
