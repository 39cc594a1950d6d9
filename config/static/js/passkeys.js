/* Passkeys for Uniqc: WebAuthn ceremonies between the server's JSON and the browser.
 * The server speaks base64url; navigator.credentials speaks ArrayBuffers. */
(function () {
  "use strict";

  function toBuffer(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    base64 += "===".slice((base64.length + 3) % 4);
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return Object.assign({}, d, { id: toBuffer(d.id) });
    });
  }

  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });
    var data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      throw { code: data.error || "http_" + response.status, message: data.message };
    }
    return data;
  }

  function browserError(error) {
    // NotAllowedError: the person cancelled, or the time ran out.
    var code = error && error.name === "NotAllowedError" ? "cancelled" : "browser_error";
    return { code: code, message: null };
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }

  async function register(options) {
    var json = await post(options.optionsUrl, options.csrf);
    var publicKey = Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      user: Object.assign({}, json.user, { id: toBuffer(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
    var credential;
    try {
      credential = await navigator.credentials.create({ publicKey: publicKey });
    } catch (error) {
      throw browserError(error);
    }
    var response = credential.response;
    return post(options.registerUrl, options.csrf, {
      name: options.name,
      credential: {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment || null,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          attestationObject: toBase64url(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : [],
        },
      },
    });
  }

  async function signIn(options) {
    var json = await post(options.optionsUrl, options.csrf);
    var publicKey = Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
    var credential;
    try {
      credential = await navigator.credentials.get({ publicKey: publicKey });
    } catch (error) {
      throw browserError(error);
    }
    var response = credential.response;
    return post(options.signInUrl, options.csrf, {
      next: options.next || "",
      credential: {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment || null,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          authenticatorData: toBase64url(response.authenticatorData),
          signature: toBase64url(response.signature),
          userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
        },
      },
    });
  }

  /* Wire a button: run `ceremony`, show failures in `status`, follow the redirect. */
  function bind(button, status, messages, ceremony) {
    if (!supported()) {
      button.disabled = true;
      status.textContent = messages.unsupported;
      return;
    }
    button.addEventListener("click", async function () {
      button.disabled = true;
      status.textContent = messages.working;
      try {
        var result = await ceremony();
        window.location.assign(result.redirect);
      } catch (error) {
        var code = (error && error.code) || "browser_error";
        status.textContent = (error && error.message) || messages[code] || messages.browser_error;
        status.dataset.error = code;
        button.disabled = false;
      }
    });
  }

  window.UniqcPasskeys = {
    toBuffer: toBuffer, toBase64url: toBase64url, supported: supported,
    register: register, signIn: signIn, bind: bind,
  };
})();
