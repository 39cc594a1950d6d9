// The registrar's card personalisation page: the card agent on this workstation (started
// with --registrar) generates the key on the card, the card signs the coop's challenge with
// it (proof of possession), the coop certifies the key, the agent writes the certificate
// and the person sets their PIN; then the coop registers the card.
// PINs go to the local agent only, never to the coop's server.
(function () {
  "use strict";
  var cardForm = document.getElementById("registrar-card");
  var pinForm = document.getElementById("registrar-pin");
  if (!cardForm || !pinForm) { return; }
  var statusLine = document.getElementById("registrar-status");
  var agent = JSON.parse(document.getElementById("registrar-agent-url").textContent);
  var urls = JSON.parse(document.getElementById("registrar-urls").textContent);
  var text = JSON.parse(document.getElementById("registrar-messages").textContent);
  var csrf = cardForm.querySelector("input[name=csrfmiddlewaretoken]").value;
  var PIN_PATTERN = /^[0-9]{6,8}$/;

  // What the sequence has done so far, so that a retry does not repeat a finished step.
  var currentPin = null;
  var fingerprint = null;
  var pinSet = false;

  function Failure(code, message, details) {
    this.code = code; this.message = message; this.details = details || {};
  }
  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.className = isError ? "message error" : "message";
  }
  function explain(failure) {
    if (!(failure instanceof Failure)) { return text.server_error; }
    if (failure.code === "wrong_pin") {
      var tries = failure.details.triesLeft;
      return text.wrong_pin.replace("%(tries)s", tries === undefined ? "?" : tries);
    }
    // The server's messages are already in the page's language; the agent's are not.
    if (failure.fromServer && failure.message) { return failure.message; }
    return text[failure.code] || text.agent_error;
  }
  function readJson(response) {
    return response.json().catch(function () { return {}; });
  }
  function agentCall(path, payload) {
    var options = {method: payload ? "POST" : "GET"};
    if (payload) {
      options.headers = {"Content-Type": "application/json"};
      options.body = JSON.stringify(payload);
    }
    return fetch(agent + path, options).catch(function () {
      throw new Failure("no_agent");
    }).then(function (response) {
      return readJson(response).then(function (body) {
        if (!response.ok || body.error) {
          throw new Failure(body.error || "agent_error", body.message, body);
        }
        return body;
      });
    });
  }
  function serverCall(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(payload)
    }).then(function (response) {
      return readJson(response).then(function (body) {
        if (!response.ok) {
          var failure = new Failure(body.error || "server_error", body.message, body);
          failure.fromServer = true;
          throw failure;
        }
        return body;
      });
    });
  }
  function cardReady(status) {
    document.getElementById("registrar-demo").hidden = !status.demo;
    if (!status.card) { throw new Failure(status.error || "no_card"); }
    return status;
  }
  function busy(form, isBusy) {
    form.querySelector("button[type=submit]").disabled = isBusy;
  }

  agentCall("/status").then(cardReady).catch(function (failure) {
    say(explain(failure), true);
  });

  cardForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var pin = cardForm.elements.current_pin.value;
    if (!PIN_PATTERN.test(pin)) {
      say(text.pin_format, true);
      cardForm.elements.current_pin.focus();
      return;
    }
    busy(cardForm, true);
    say(text.working_key, false);
    agentCall("/status")
      .then(cardReady)
      .then(function () { return agentCall("/registrar/key", {pin: pin}); })
      .then(function (key) {
        // Proof of possession: the card signs the coop's challenge with the new key.
        say(text.working_proof, false);
        return serverCall(urls.challenge, {}).then(function (issued) {
          return agentCall("/registrar/challenge", {challenge: issued.challenge, pin: pin});
        }).then(function (proof) {
          say(text.working_certificate, false);
          return serverCall(urls.certificate, {publicKey: key.publicKey, proof: proof.signature});
        });
      })
      .then(function (issued) {
        say(text.working_write, false);
        return agentCall("/registrar/certificate", {certificate: issued.certificate, pin: pin})
          .then(function () { return issued; });
      })
      .then(function (issued) {
        currentPin = pin;
        fingerprint = issued.fingerprint;
        cardForm.elements.current_pin.value = "";
        cardForm.hidden = true;
        pinForm.hidden = false;
        say(text.written, false);
        document.getElementById("registrar-pin-heading").focus();
      })
      .catch(function (failure) {
        cardForm.elements.current_pin.value = "";
        say(explain(failure), true);
        busy(cardForm, false);
      });
  });

  pinForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var newPin = pinForm.elements.new_pin.value;
    var again = pinForm.elements.new_pin_again.value;
    if (!pinSet) {
      if (!PIN_PATTERN.test(newPin)) {
        say(text.pin_format, true);
        pinForm.elements.new_pin.focus();
        return;
      }
      if (newPin !== again) {
        say(text.pin_mismatch, true);
        pinForm.elements.new_pin_again.value = "";
        pinForm.elements.new_pin_again.focus();
        return;
      }
    }
    busy(pinForm, true);
    var pinStep = pinSet ? Promise.resolve() : (function () {
      say(text.working_pin, false);
      return agentCall("/registrar/pin", {oldPin: currentPin, newPin: newPin}).then(function () {
        pinSet = true;
        currentPin = null;
      });
    })();
    pinStep
      .then(function () {
        pinForm.elements.new_pin.value = "";
        pinForm.elements.new_pin_again.value = "";
        say(text.working_register, false);
        return serverCall(urls.confirm, {fingerprint: fingerprint});
      })
      .then(function (done) { window.location.assign(done.redirect); })
      .catch(function (failure) {
        say(explain(failure), true);
        busy(pinForm, false);
      });
  });
})();
