/* Shared passkey helpers for the sign-in and account pages (no inline scripts: strict CSP). */
"use strict";
(function () {
  function b64urlToBuf(value) {
    const b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function bufToB64url(buf) {
    const bytes = new Uint8Array(buf);
    let bin = "";
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return Object.assign({}, d, { id: b64urlToBuf(d.id) });
    });
  }

  function toCreateOptions(json) {
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuf(json.challenge);
    o.user = Object.assign({}, json.user, { id: b64urlToBuf(json.user.id) });
    o.excludeCredentials = descriptors(json.excludeCredentials);
    return o;
  }

  function toRequestOptions(json) {
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuf(json.challenge);
    o.allowCredentials = descriptors(json.allowCredentials);
    return o;
  }

  function credentialToJSON(cred) {
    const r = cred.response;
    const response = { clientDataJSON: bufToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bufToB64url(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = bufToB64url(r.authenticatorData);
      response.signature = bufToB64url(r.signature);
      response.userHandle = r.userHandle ? bufToB64url(r.userHandle) : null;
    }
    return {
      id: cred.id,
      rawId: bufToB64url(cred.rawId),
      type: cred.type,
      response: response,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  class ServerError extends Error {
    constructor(message, status, body) {
      super(message);
      this.name = "ServerError";
      this.status = status;
      this.body = body || {};
    }
  }

  async function postJSON(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body || {}),
      });
    } catch (e) {
      throw new ServerError("The server could not be reached. Check your connection.", 0);
    }
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      const fallback = response.status === 403
        ? "Your session expired. Reload the page and try again."
        : "Something went wrong (" + response.status + ").";
      throw new ServerError(data.error || fallback, response.status, data);
    }
    return data;
  }

  function supported() {
    return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
  }

  /* A message a person understands for a failed ceremony. */
  function explain(err, ceremony) {
    if (err && err.name === "ServerError") return err.message;
    const name = err && err.name;
    if (name === "NotAllowedError") {
      return ceremony === "create"
        ? "The passkey was not created: the request was cancelled or timed out."
        : "No passkey was used: the request was cancelled or timed out, or this device has no passkey for this account.";
    }
    if (name === "InvalidStateError") return "This authenticator already holds a passkey for this account.";
    if (name === "NotSupportedError") return "This authenticator is not allowed here: it does not support the required algorithms or user verification.";
    if (name === "SecurityError") return "Passkeys cannot be used on this address for this sign-in.";
    if (name === "AbortError") return "The passkey request was cancelled.";
    if (name === "UnsupportedError") return "This browser cannot use passkeys. Try another browser or device.";
    return "Something went wrong with the passkey" + (err && err.message ? ": " + err.message : ".");
  }

  function unsupportedError() {
    const e = new Error("no WebAuthn");
    e.name = "UnsupportedError";
    return e;
  }

  async function create(optionsJSON) {
    if (!supported()) throw unsupportedError();
    const cred = await navigator.credentials.create({ publicKey: toCreateOptions(optionsJSON) });
    return credentialToJSON(cred);
  }

  async function get(optionsJSON, extra) {
    if (!supported()) throw unsupportedError();
    const request = Object.assign({ publicKey: toRequestOptions(optionsJSON) }, extra || {});
    const cred = await navigator.credentials.get(request);
    return credentialToJSON(cred);
  }

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
        const options = await postJSON(root.dataset.optionsUrl, {});
        const credential = await create(options.publicKey);
        const result = await postJSON(root.dataset.verifyUrl, { handle: options.handle, credential: credential });
        window.location.assign(result.redirect);
      } catch (err) {
        if (err && err.body && err.body.reauth && err.body.redirect) {
          // The sign-in is too old to change passkeys: sign in again, then come back.
          window.location.assign(err.body.redirect);
          return;
        }
        document.getElementById("error-text").textContent = explain(err, "create");
        show(root, "step-error");
        button.disabled = false;
      }
    }

    button.addEventListener("click", run);
    document.getElementById("try-again").addEventListener("click", run);
  }

  window.Latchkey = { postJSON: postJSON, create: create, get: get, explain: explain,
                      supported: supported, show: show, bindCreate: bindCreate };
})();
