// The registrar's card personalisation page: the card agent on this workstation (started
// with --registrar) generates the card's two keys (slot 9A to sign in, slot 9C to sign
// documents), the card signs the coop's challenge with each (proofs of possession), the
// coop certifies both keys, the agent writes both certificates and the person sets their
// PIN; then the coop registers the card.
// For a person whose active card was issued without a signature key, the page can instead
// add one to that card: the card proves with its sign-in key that it is that card, then
// the new 9C key is generated, proved, certified and written.
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
  var signingAdded = null;

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

  function prove(challenge, pin, slot) {
    return agentCall("/registrar/challenge", {challenge: challenge, pin: pin, slot: slot})
      .then(function (answer) { return answer.signature; });
  }
  function write(certificate, pin, slot) {
    return agentCall("/registrar/certificate", {certificate: certificate, pin: pin, slot: slot});
  }

  agentCall("/status").then(cardReady).catch(function (failure) {
    say(explain(failure), true);
  });

  var signingForm = document.getElementById("registrar-signing-key");
  if (signingForm) {
    signingForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var pin = signingForm.elements.holder_pin.value;
      if (!PIN_PATTERN.test(pin)) {
        say(text.pin_format, true);
        signingForm.elements.holder_pin.focus();
        return;
      }
      busy(signingForm, true);
      say(text.working_proof, false);
      var challenge = null;
      // Certified earlier on this page but not yet written: only write it.
      var certified = signingAdded ? Promise.resolve(signingAdded) : agentCall("/status")
        .then(cardReady)
        .then(function (status) {
          // Never replace a signature key: the card of this person has none yet.
          if (status.signingKey) { throw new Failure("has_signing_key"); }
          return serverCall(urls.challenge, {});
        })
        .then(function (issued) {
          challenge = issued.challenge;
          // First the card shows it is the person's card (its certified sign-in key)...
          return prove(challenge, pin, "9a");
        })
        .then(function (proof) {
          say(text.working_key, false);
          return agentCall("/registrar/key", {pin: pin, slot: "9c"}).then(function (key) {
            return prove(challenge, pin, "9c").then(function (signingProof) {
              say(text.working_certificate, false);
              return serverCall(urls.signing_key, {
                proof: proof,
                signingPublicKey: key.publicKey,
                signingProof: signingProof
              });
            });
          });
        });
      certified
        .then(function (added) {
          signingAdded = added;
          say(text.working_write, false);
          return write(added.signingCertificate, pin, "9c").then(function () { return added; });
        })
        .then(function (added) {
          signingForm.elements.holder_pin.value = "";
          window.location.assign(added.redirect);
        })
        .catch(function (failure) {
          signingForm.elements.holder_pin.value = "";
          say(explain(failure), true);
          busy(signingForm, false);
        });
    });
  }

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
      .then(function () { return agentCall("/registrar/key", {pin: pin, slot: "9a"}); })
      .then(function (key) {
        return agentCall("/registrar/key", {pin: pin, slot: "9c"}).then(function (signingKey) {
          return {key: key.publicKey, signingKey: signingKey.publicKey};
        });
      })
      .then(function (keys) {
        // Proof of possession: the card signs the coop's challenge with each new key.
        say(text.working_proof, false);
        return serverCall(urls.challenge, {}).then(function (issued) {
          return prove(issued.challenge, pin, "9a").then(function (proof) {
            return prove(issued.challenge, pin, "9c").then(function (signingProof) {
              return {proof: proof, signingProof: signingProof};
            });
          });
        }).then(function (proofs) {
          say(text.working_certificate, false);
          return serverCall(urls.certificate, {
            publicKey: keys.key,
            proof: proofs.proof,
            signingPublicKey: keys.signingKey,
            signingProof: proofs.signingProof
          });
        });
      })
      .then(function (issued) {
        say(text.working_write, false);
        return write(issued.certificate, pin, "9a")
          .then(function () { return write(issued.signingCertificate, pin, "9c"); })
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
