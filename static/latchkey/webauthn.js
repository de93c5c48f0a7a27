/* Latchkey's one browser module for WebAuthn, used by the portal and the sign-in pages.
 *
 * window.LatchkeyWebAuthn:
 *   supported()                          -> true when this browser has passkeys
 *   create(optionsJSON, {signal})        -> the new credential as JSON (for /verify)
 *   get(optionsJSON, {signal, mediation})-> the assertion as JSON
 *   conditionalGet(optionsJSON, {signal})-> like get() from the autofill list; null if unavailable
 *   conditionalAvailable()               -> Promise<boolean>
 *   explain(err, ceremony)               -> a message a person understands ("create" | "get")
 *   postJSON(url, body, root)            -> JSON; a refusal throws ServerError(message, status, body)
 *   showError(el, message)
 * Options are parsed with PublicKeyCredential.parse*OptionsFromJSON and credentials serialised
 * with credential.toJSON() where the browser has them, with a small fallback otherwise.
 * Loaded as a file: the pages' CSP allows no inline script.
 */
(function () {
  "use strict";

  function b64urlToBuf(value) {
    const b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
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
    return (list || []).map(function (d) { return Object.assign({}, d, { id: b64urlToBuf(d.id) }); });
  }

  const PKC = window.PublicKeyCredential;

  function creationOptions(json) {
    if (PKC && typeof PKC.parseCreationOptionsFromJSON === "function") {
      return PKC.parseCreationOptionsFromJSON(json);
    }
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuf(json.challenge);
    o.user = Object.assign({}, json.user, { id: b64urlToBuf(json.user.id) });
    o.excludeCredentials = descriptors(json.excludeCredentials);
    return o;
  }

  function requestOptions(json) {
    if (PKC && typeof PKC.parseRequestOptionsFromJSON === "function") {
      return PKC.parseRequestOptionsFromJSON(json);
    }
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuf(json.challenge);
    o.allowCredentials = descriptors(json.allowCredentials);
    return o;
  }

  function credentialToJSON(cred) {
    if (typeof cred.toJSON === "function") return cred.toJSON();
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

  function supported() {
    return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
  }

  function unsupportedError() {
    const e = new Error("no WebAuthn");
    e.name = "UnsupportedError";
    return e;
  }

  /* Runs a ceremony, noting on a failure what it needs to be explained: RP ID and timing. */
  async function ceremony(run, json) {
    if (!supported()) throw unsupportedError();
    const started = Date.now();
    try {
      return credentialToJSON(await run());
    } catch (err) {
      if (err && typeof err === "object") {
        err.rpId = json.rpId || (json.rp && json.rp.id) || "";
        err.timedOut = !!json.timeout && Date.now() - started >= json.timeout * 0.95;
      }
      throw err;
    }
  }

  function create(json, opts) {
    return ceremony(function () {
      const request = { publicKey: creationOptions(json) };
      if (opts && opts.signal) request.signal = opts.signal;
      return navigator.credentials.create(request);
    }, json);
  }

  function get(json, opts) {
    return ceremony(function () {
      const request = { publicKey: requestOptions(json) };
      if (opts && opts.signal) request.signal = opts.signal;
      if (opts && opts.mediation) request.mediation = opts.mediation;
      return navigator.credentials.get(request);
    }, json);
  }

  async function conditionalAvailable() {
    if (!supported() || typeof PKC.isConditionalMediationAvailable !== "function") return false;
    try { return await PKC.isConditionalMediationAvailable(); } catch (e) { return false; }
  }

  async function conditionalGet(json, opts) {
    if (!(await conditionalAvailable())) return null;
    return get(json, Object.assign({}, opts || {}, { mediation: "conditional" }));
  }

  /* This module's messages in the page's language, from a JSON block the page may carry
     (<script type="application/json" id="lk-i18n">: data, not code, so the CSP allows it). */
  let catalog = null;
  function t(text, values) {
    if (catalog === null) {
      const el = document.getElementById("lk-i18n");
      try { catalog = el ? JSON.parse(el.textContent) : {}; } catch (e) { catalog = {}; }
    }
    let out = catalog[text] || text;
    Object.keys(values || {}).forEach(function (k) { out = out.split("{" + k + "}").join(values[k]); });
    return out;
  }

  /* A message a person understands for a failed ceremony ("create" or "get"). */
  function explain(err, kind) {
    if (err && err.name === "ServerError") return err.message;
    const name = err && err.name;
    if (name === "NotAllowedError") {
      if (err.timedOut) return t("The passkey request timed out. Try again, and answer your device's prompt.");
      return kind === "create"
        ? t("The passkey was not created: the request was cancelled or timed out.")
        : t("No passkey was used: the request was cancelled or timed out, or this device has no passkey for this account.");
    }
    if (name === "InvalidStateError") return t("This device already holds a passkey for this account.");
    if (name === "NotSupportedError") return t("This authenticator is not allowed here: it does not support the required algorithms or user verification.");
    if (name === "SecurityError") {
      const host = err.rpId || "";
      return host
        ? t("Passkeys for this account work only on {host} (or an address ending in .{host}), not on {here}. Open the sign-in page on {host}.", { host: host, here: window.location.hostname })
        : t("Passkeys cannot be used on this address for this sign-in.");
    }
    if (name === "AbortError") return t("The passkey request was cancelled.");
    if (name === "UnsupportedError") return t("This browser cannot use passkeys. Try another browser or device.");
    return err && err.message
      ? t("Something went wrong with the passkey: {detail}", { detail: err.message })
      : t("Something went wrong with the passkey.");
  }

  class ServerError extends Error {
    constructor(message, status, body) {
      super(message);
      this.name = "ServerError";
      this.status = status;
      this.body = body || {};
      this.data = this.body;
    }
  }

  function csrfToken(root) {
    const input = (root || document).querySelector("input[name=csrfmiddlewaretoken]")
      || document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function postJSON(url, body, root) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(root) },
        body: JSON.stringify(body || {}),
      });
    } catch (e) {
      throw new ServerError(t("The server could not be reached. Check your connection."), 0);
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

  function showError(el, message) {
    if (!el) return;
    el.textContent = message;
    el.hidden = !message;
  }

  window.LatchkeyWebAuthn = {
    supported: supported,
    create: create,
    get: get,
    conditionalGet: conditionalGet,
    conditionalAvailable: conditionalAvailable,
    explain: explain,
    postJSON: postJSON,
    showError: showError,
    t: t,
  };
})();
