/* The recovery page: enter the emailed code. */
"use strict";
(function () {
  const root = document.getElementById("recover");
  const form = document.getElementById("code-form");
  if (!root || !form) return;
  const L = window.Latchkey;

  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    try {
      const result = await L.postJSON(root.dataset.codeUrl, { code: document.getElementById("code").value });
      window.location.assign(result.redirect);
    } catch (err) {
      document.getElementById("error-text").textContent = L.explain(err, "get");
      document.getElementById("step-error").hidden = false;
    }
  });
  document.getElementById("try-again").addEventListener("click", function () {
    document.getElementById("step-error").hidden = true;
    document.getElementById("code").focus();
  });
})();
