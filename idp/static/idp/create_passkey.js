/* After the email was proven: create the passkey (new account or recovery). */
"use strict";
(function () {
  const root = document.getElementById("create-passkey");
  if (!root) return;
  const L = window.Latchkey;
  const button = document.getElementById("create");

  async function run() {
    button.disabled = true;
    L.show(root, "step-working");
    try {
      const options = await L.postJSON(root.dataset.optionsUrl, {});
      const credential = await L.create(options.publicKey);
      const result = await L.postJSON(root.dataset.verifyUrl, { handle: options.handle, credential: credential });
      window.location.assign(result.redirect);
    } catch (err) {
      document.getElementById("error-text").textContent = L.explain(err, "create");
      L.show(root, "step-error");
      button.disabled = false;
    }
  }

  button.addEventListener("click", run);
  document.getElementById("try-again").addEventListener("click", run);
})();
