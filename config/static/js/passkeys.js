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
      throw { code: data.error || "http_" + response.status, message: data.message, status: response.status };
    }
    return data;
  }

  function browserError(error) {
    // NotAllowedError: the person cancelled, or the time ran out. AbortError: the page
    // itself withdrew the request (the autofill request, when the button is pressed).
    var code = "browser_error";
    if (error && error.name === "NotAllowedError") code = "cancelled";
    if (error && error.name === "AbortError") code = "aborted";
    return { code: code, message: null };
  }

  /* A credential as the server reads it (WebAuthn's JSON form): `response` holds the
   * ceremony's own fields, already in base64url. */
  function credentialJSON(credential, response) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response,
    };
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
      credential: credentialJSON(credential, {
        clientDataJSON: toBase64url(response.clientDataJSON),
        attestationObject: toBase64url(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      }),
    });
  }

  /* A usernameless sign-in. `options.mediation` "conditional" waits for the person to pick
   * a passkey from the browser's autofill; `options.signal` lets the page withdraw it. */
  async function signIn(options) {
    var json = await post(options.optionsUrl, options.csrf);
    var publicKey = Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
    var request = { publicKey: publicKey };
    if (options.mediation) request.mediation = options.mediation;
    if (options.signal) request.signal = options.signal;
    var credential;
    try {
      credential = await navigator.credentials.get(request);
    } catch (error) {
      throw browserError(error);
    }
    var response = credential.response;
    try {
      return await post(options.signInUrl, options.csrf, {
        next: options.next || "",
        credential: credentialJSON(credential, {
          clientDataJSON: toBase64url(response.clientDataJSON),
          authenticatorData: toBase64url(response.authenticatorData),
          signature: toBase64url(response.signature),
          userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
        }),
      });
    } catch (error) {
      error.refused = true; // the browser gave a passkey and the server refused it
      throw error;
    }
  }

  async function conditionalMediationAvailable() {
    if (!supported() || typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") {
      return false;
    }
    try {
      return await PublicKeyCredential.isConditionalMediationAvailable();
    } catch (e) {
      return false;
    }
  }

  function showError(status, messages, error) {
    var code = (error && error.code) || "browser_error";
    status.textContent = (error && error.message) || messages[code] || messages.browser_error;
    status.dataset.error = code;
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
      delete status.dataset.error;
      try {
        var result = await ceremony();
        window.location.assign(result.redirect);
      } catch (error) {
        showError(status, messages, error);
        button.disabled = false;
      }
    });
  }

  /* The sign-in page: the passkey button, and the browser's autofill of passkeys in
   * `config.autofill` (an input with autocomplete="username webauthn", inside
   * `config.autofillField`, hidden until the browser says it offers conditional mediation).
   *
   * One ceremony at a time. The server keeps one sign-in challenge per session, and the
   * browser one pending request per page: pressing the button withdraws the pending
   * autofill request (AbortController) and waits until it has settled, its options
   * included, before asking for the button's own; when the button's ceremony fails, the
   * autofill request starts again. */
  function signInPage(config) {
    var pending = null; // {controller, settled} of the autofill request
    var base = {
      optionsUrl: config.optionsUrl, signInUrl: config.signInUrl,
      csrf: config.csrf, next: config.next,
    };

    function startAutofill() {
      var controller = new AbortController();
      var run = signIn(Object.assign({}, base, { mediation: "conditional", signal: controller.signal }))
        .then(function (result) {
          window.location.assign(result.redirect);
        }, function (error) {
          if (controller.signal.aborted) return; // the button took over
          // The browser giving up on its offer (no passkey here, dismissed) is no news to
          // the person: only the server's answers are shown.
          var code = error && error.code;
          if (code === "cancelled" || code === "aborted" || code === "browser_error") return;
          showError(config.status, config.messages, error);
          // A passkey the server refused: the person may pick another one, the next time
          // they come to the field (not at once: a browser that answers by itself would
          // loop). Any other failure (throttled, no options) would only fail again.
          if (error && error.refused && error.status !== 429) startAutofillOnFocus();
        })
        .finally(function () {
          if (pending && pending.controller === controller) pending = null;
        });
      pending = { controller: controller, settled: run };
    }

    function startAutofillOnFocus() {
      config.autofill.addEventListener("focus", function () {
        if (!pending) startAutofill();
      }, { once: true });
    }

    async function withdrawAutofill() {
      if (!pending) return;
      var withdrawn = pending;
      pending = null;
      withdrawn.controller.abort();
      await withdrawn.settled;
    }

    bind(config.button, config.status, config.messages, async function () {
      await withdrawAutofill();
      try {
        return await signIn(base);
      } catch (error) {
        if (config.autofillOffered) startAutofillOnFocus();
        throw error;
      }
    });

    conditionalMediationAvailable().then(function (available) {
      if (!available) return;
      config.autofillOffered = true;
      config.autofillField.hidden = false;
      startAutofill();
    });
  }

  window.UniqcPasskeys = {
    toBuffer: toBuffer, toBase64url: toBase64url, supported: supported,
    register: register, signIn: signIn, bind: bind, signInPage: signInPage,
    conditionalMediationAvailable: conditionalMediationAvailable,
  };
})();
