// The signing page (identity/templates/identity/signing/request.html): the card agent on
// this computer signs what the server prepared, the PIN going to the card only.
// 1. agent GET /signing-certificate; 2. POST prepare {certificate};
// 3. agent POST /sign-document {title, signedAttributes, documentDigest[, pin]};
// 4. POST finish {session, signature, discloseName}, then go where the server says.
(function () {
  "use strict";
  var form = document.getElementById("signing-form");
  if (!form) { return; }
  var statusLine = document.getElementById("signing-progress");
  var button = document.getElementById("signing-submit");
  var disclose = document.getElementById("signing-disclose");
  var agent = JSON.parse(document.getElementById("signing-agent-url").textContent);
  var urls = JSON.parse(document.getElementById("signing-urls").textContent);
  var text = JSON.parse(document.getElementById("signing-messages").textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function Failure(code, message, details) {
    this.code = code; this.message = message; this.details = details || {};
  }
  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.className = isError ? "message error" : "message";
  }
  function explain(failure) {
    if (failure.code === "wrong_pin") {
      var tries = failure.details.triesLeft;
      return text.wrong_pin.replace("%(tries)s", tries === undefined ? "?" : tries);
    }
    return failure.message || text[failure.code] || text.agent_error;
  }
  function readJson(response) {
    return response.json().catch(function () { return {}; });
  }
  function agentCall(path, options) {
    return fetch(agent + path, options).catch(function () {
      throw new Failure("no_agent");
    }).then(function (response) {
      return readJson(response).then(function (body) {
        if (!response.ok || body.error) {
          throw new Failure(body.error || "agent_error", null, body);
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
          throw new Failure(body.error || "server_error", body.message, body);
        }
        return body;
      });
    });
  }

  var pinOnPage = false;
  function modeShow(status) {
    pinOnPage = status.pinEntry === "page";
    document.getElementById("signing-pin-row").hidden = !pinOnPage;
    document.getElementById("signing-pin-agent").hidden = pinOnPage;
    if (status.signingKey === false) { throw new Failure("no_signing_key"); }
    return status;
  }
  agentCall("/status", {method: "GET"}).then(modeShow).catch(function (failure) {
    say(failure instanceof Failure ? explain(failure) : text.agent_error, true);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var pin = form.elements.pin.value;
    button.disabled = true;
    say(text.working, false);
    agentCall("/status", {method: "GET"})
      .then(modeShow)
      .then(function () {
        if (pinOnPage && !/^[0-9]{6,8}$/.test(pin)) { throw new Failure("pin_format"); }
        return agentCall("/signing-certificate", {method: "GET"});
      })
      .then(function (found) {
        say(text.preparing, false);
        return serverCall(urls.prepare, {certificate: found.certificate});
      })
      .then(function (prepared) {
        say(text.signing, false);
        var request = {
          title: prepared.title,
          signedAttributes: prepared.signedAttributes,
          documentDigest: prepared.documentDigest
        };
        if (pinOnPage) { request.pin = pin; }
        return agentCall("/sign-document", {
          method: "POST",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify(request)
        }).then(function (signed) {
          say(text.finishing, false);
          return serverCall(urls.finish, {
            session: prepared.session,
            signature: signed.signature,
            discloseName: disclose ? disclose.checked : false
          });
        });
      })
      .then(function (done) { window.location.assign(done.redirect); })
      .catch(function (failure) {
        form.elements.pin.value = "";
        say(failure instanceof Failure ? explain(failure) : text.server_error, true);
        button.disabled = false;
      });
  });
})();
