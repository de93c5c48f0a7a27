/* Posts the pages' forms with fetch(). Under Referrer-Policy no-referrer a plain form post
   carries "Origin: null", which CSRF protection must refuse; fetch() sends the real origin. */
"use strict";
(function () {
  function token(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function submit(form, submitter) {
    const body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    let response;
    try {
      response = await fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token(form), "X-Requested-With": "fetch" },
      });
    } catch (e) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      window.alert("The server could not be reached. Check your connection and try again.");
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      const data = await response.json();
      if (data.redirect) { window.location.assign(data.redirect); return; }
    }
    // A page (e.g. errors to show): replace this one with it.
    const html = await response.text();
    document.open();
    document.write(html);
    document.close();
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-fetch")) return;
    event.preventDefault();
    submit(form, event.submitter);
  });
})();
