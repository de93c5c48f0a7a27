/* The sign-in page: Continue with an email, passkey autofill, sign-up and email code steps. */
"use strict";
(function () {
  const root = document.getElementById("signin");
  if (!root) return;
  const L = window.Latchkey;
  const urls = root.dataset;
  const next = root.dataset.next || "";
  // Rendered by authorize: verify may hand back authorize's answer for this page to send on.
  const deliver = root.dataset.delivers === "1";
  const emailInput = document.getElementById("email");
  let conditional = null;
  let lastStep = "step-email";
  let retry = null;

  function setEmail(email) {
    root.querySelectorAll(".js-email").forEach(function (el) { el.textContent = email; });
    const recover = root.querySelector(".js-recover");
    if (recover) {
      const u = new URL(urls.recoverUrl, window.location.href);
      u.searchParams.set("email", email);
      if (next) u.searchParams.set("next", next);
      recover.href = u.pathname + u.search;
    }
  }

  function fail(err, ceremony, again) {
    document.getElementById("error-text").textContent = L.explain(err, ceremony);
    retry = again;
    L.show(root, "step-error");
  }

  function working(text) {
    document.getElementById("working-text").textContent = text;
    L.show(root, "step-working");
  }

  function finish(result) {
    if (result.status === "verify_email") {
      setEmail(result.email || emailInput.value);
      lastStep = "step-code";
      L.show(root, "step-code");
      return;
    }
    if (result.form_post) { postTo(result.form_post); return; }
    window.location.assign(result.redirect);
  }

  /* The authorization response as form_post: the same form authorize's own page would post. */
  function postTo(answer) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = answer.action;
    form.hidden = true;
    answer.params.forEach(function (pair) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  /* The page came with autofill's options (one request fewer); they hold a single-use
     challenge, so only the first offer takes them ("" or none: ask the server). */
  let embedded = root.dataset.autofillOptions;

  function takeEmbedded() {
    const json = embedded;
    embedded = undefined;
    return json ? JSON.parse(json) : undefined;
  }

  async function startAutofill() {
    root.dataset.autofill = "unavailable";
    if (!(await L.conditionalAvailable())) return;
    const given = takeEmbedded();
    root.dataset.autofill = "offered";
    conditional = new AbortController();
    const signal = conditional.signal;
    let options, credential;
    try {
      options = given || (await L.postJSON(urls.optionsUrl, {}));
      credential = await L.get(options.publicKey, { mediation: "conditional", signal: signal });
    } catch (err) {
      // Autofill is an offer, not a request the person made: failing quietly is right.
      root.dataset.autofill = "ended";
      return;
    }
    try {
      working(L.t("Signing you in…"));
      const result = await L.postJSON(urls.verifyUrl, { handle: options.handle, credential: credential, next: next, deliver: deliver });
      finish(result);
    } catch (err) {
      if (signal.aborted || (err && err.name === "AbortError")) return;
      fail(err, "get", function () { L.show(root, "step-email"); startAutofill(); });
    }
  }

  function stopAutofill() {
    if (conditional) { conditional.abort(); conditional = null; }
  }

  async function continueWithEmail() {
    const email = emailInput.value.trim();
    setEmail(email);
    stopAutofill();
    if (!email) { fail({ name: "ServerError", message: L.t("Enter your email address.") }, "get", showEmail); return; }
    if (!L.supported()) { fail({ name: "UnsupportedError" }, "get", showEmail); return; }
    working(L.t("Waiting for your passkey…"));
    let options;
    try {
      options = await L.postJSON(urls.optionsUrl, { email: email });
    } catch (err) { fail(err, "get", continueWithEmail); return; }
    let credential;
    try {
      credential = await L.get(options.publicKey);
    } catch (err) {
      if (err && err.name === "NotAllowedError") {
        // No passkey here for this email (or cancelled): offer to create an account.
        lastStep = "step-signup";
        L.show(root, "step-signup");
        return;
      }
      fail(err, "get", continueWithEmail);
      return;
    }
    try {
      working(L.t("Signing you in…"));
      finish(await L.postJSON(urls.verifyUrl, { handle: options.handle, credential: credential, next: next, deliver: deliver }));
    } catch (err) { fail(err, "get", continueWithEmail); }
  }

  function showEmail() { L.show(root, "step-email"); }

  /* "Sign in with a passkey": no email, the browser lists this site's discoverable passkeys;
     the server finds the account by the passkey's user handle, within this tenant only. */
  async function signInWithPasskey() {
    stopAutofill();
    if (!L.supported()) { fail({ name: "UnsupportedError" }, "get", showEmail); return; }
    working(L.t("Waiting for your passkey…"));
    let options, credential;
    try {
      options = takeEmbedded() || (await L.postJSON(urls.optionsUrl, {}));
      credential = await L.get(options.publicKey);
    } catch (err) { fail(err, "get", signInWithPasskey); return; }
    try {
      working(L.t("Signing you in…"));
      finish(await L.postJSON(urls.verifyUrl, { handle: options.handle, credential: credential, next: next, deliver: deliver }));
    } catch (err) { fail(err, "get", signInWithPasskey); }
  }

  /* `options`: the creation options the previous answer carried, if any (else asked for). */
  async function register(options) {
    working(L.t("Waiting for your passkey…"));
    try {
      if (!options) options = await L.postJSON(urls.registerOptionsUrl, {});
      const credential = await L.create(options.publicKey);
      working(L.t("Creating your account…"));
      finish(await L.postJSON(urls.registerVerifyUrl, { handle: options.handle, credential: credential, deliver: deliver }));
    } catch (err) {
      // Fresh options on retry: a challenge works once.
      fail(err, "create", function () { register(); });
    }
  }

  async function signup() {
    const body = { email: emailInput.value.trim(), next: next };
    document.querySelectorAll("#signup-form input").forEach(function (input) {
      body[input.name] = input.value;
    });
    working(L.t("One moment…"));
    let result;
    try {
      result = await L.postJSON(urls.signupUrl, body);
    } catch (err) { fail(err, "create", function () { L.show(root, "step-signup"); }); return; }
    if (result.status === "email_sent") {
      lastStep = "step-code";
      L.show(root, "step-code");
      document.getElementById("code").focus();
      return;
    }
    register(result.options);
  }

  async function submitCode() {
    const code = document.getElementById("code").value;
    working(L.t("Checking the code…"));
    let result;
    try {
      result = await L.postJSON(urls.codeUrl, { code: code, create_here: true });
    } catch (err) {
      fail(err, "get", function () { L.show(root, "step-code"); });
      return;
    }
    // Proven for a new passkey, with its options: create it here, not on the next page.
    if (result.status === "proven" && result.options) { register(result.options); return; }
    window.location.assign(result.redirect);
  }

  const passkeyButton = document.getElementById("passkey-button");
  if (passkeyButton) passkeyButton.addEventListener("click", signInWithPasskey);
  document.getElementById("email-form").addEventListener("submit", function (e) {
    e.preventDefault();
    continueWithEmail();
  });
  document.getElementById("signup-form").addEventListener("submit", function (e) {
    e.preventDefault();
    signup();
  });
  document.getElementById("code-form").addEventListener("submit", function (e) {
    e.preventDefault();
    submitCode();
  });
  root.querySelectorAll(".js-retry").forEach(function (b) {
    b.addEventListener("click", continueWithEmail);
  });
  document.getElementById("try-again").addEventListener("click", function () {
    const again = retry || showEmail;
    retry = null;
    again();
  });
  startAutofill();
})();
