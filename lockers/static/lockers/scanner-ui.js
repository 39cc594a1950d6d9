/* Brings the camera to every scanner form on the page (lockers/includes/scanner.html).
 *
 * Without this script the form is a text field and a submit button, and works. With it:
 * a button starts and stops the rear camera (scanner.js); the status line (role="status")
 * says what is happening in the page's language (the messages come from the template, in
 * data-msg-* attributes); a code read fills the field, is announced, and the form is sent
 * unless a listener of the `scanner:code` event calls preventDefault(). When the camera is
 * refused or absent the status says so and the typed field takes the focus.
 */
import { startScanner } from "./scanner.js";

function enhance(form) {
  const toggle = form.querySelector("[data-scanner-toggle]");
  const camera = form.querySelector("[data-scanner-camera]");
  const video = form.querySelector("[data-scanner-video]");
  const status = form.querySelector("[data-scanner-status]");
  const input = form.querySelector("[data-scanner-input]");
  const message = (key) => form.dataset[`msg${key[0].toUpperCase()}${key.slice(1)}`] || "";
  let scanner = null;
  let starting = false;

  function say(text) {
    status.textContent = text;
  }

  function showStopped() {
    camera.hidden = true;
    toggle.textContent = form.dataset.labelStart;
  }

  function typeInstead(key) {
    if (scanner) {
      scanner.stop();
      scanner = null;
    }
    showStopped();
    say(message(key));
    form.dataset.scannerState = key;
    input.focus();
  }

  function failed(error) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      typeInstead("refused");
    } else if (name === "NotFoundError" || name === "OverconstrainedError") {
      typeInstead("absent");
    } else if (name === "NotSupportedError") {
      typeInstead("unsupported");
    } else {
      typeInstead("failed");
    }
  }

  function read(code) {
    input.value = code;
    say(message("read").replace("%(code)s", code));
    form.dataset.scannerState = "read";
    const event = new CustomEvent("scanner:code", { detail: { code }, cancelable: true });
    if (form.dispatchEvent(event)) {
      if (scanner) {
        scanner.stop();
        scanner = null;
      }
      showStopped();
      form.requestSubmit();
    }
  }

  async function start() {
    starting = true;
    toggle.disabled = true;
    say(message("starting"));
    camera.hidden = false;
    scanner = await startScanner({
      video,
      onCode: read,
      onError: failed,
      decoderUrl: new URL(form.dataset.decoder, document.baseURI).href,
      facingMode: form.dataset.facing || "environment",
    });
    starting = false;
    toggle.disabled = false;
    if (!scanner) {
      return; // failed() has told why and moved the focus
    }
    form.dataset.scannerMode = scanner.mode;
    form.dataset.scannerState = "scanning";
    toggle.textContent = form.dataset.labelStop;
    say(message("scanning"));
  }

  function stop() {
    if (scanner) {
      scanner.stop();
      scanner = null;
    }
    showStopped();
    form.dataset.scannerState = "stopped";
    say(message("stopped"));
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    // No camera access here (an old browser, or a page not served over HTTPS).
    say(message("unsupported"));
    form.dataset.scannerState = "unsupported";
    return;
  }
  toggle.hidden = false;
  say(message("ready"));
  form.dataset.scannerState = "ready";
  toggle.addEventListener("click", () => {
    if (starting) {
      return;
    }
    if (scanner) {
      stop();
    } else {
      start();
    }
  });
  // Leaving the page (or the app going to the background for good) frees the camera.
  window.addEventListener("pagehide", () => {
    if (scanner) {
      scanner.stop();
      scanner = null;
      showStopped();
    }
  });
}

for (const form of document.querySelectorAll("form[data-scanner]")) {
  enhance(form);
}
