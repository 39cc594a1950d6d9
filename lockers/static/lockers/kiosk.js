/* The kiosk page (lockers/templates/lockers/kiosk/kiosk.html). Without this script the
 * keypad's keys send the form and the server types the digit; with it:
 * - the keys type into the field here, and only "Open" sends the code;
 * - the camera (the one facing the shopper) reads the QR code of their phone, which is
 *   put in the field and sent (scanner.js);
 * - an answer goes back to the empty keypad after data-return-after seconds, so that the
 *   next shopper finds the screen as new (and in French).
 */
import { startScanner } from "./scanner.js";

const DIGITS = 6;
const form = document.querySelector("[data-kiosk-form]");
const input = form ? form.querySelector("[data-kiosk-code]") : null;

if (form && input) {
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-key]");
    if (!button) {
      return;
    }
    event.preventDefault();
    const key = button.dataset.key;
    let value = input.value.replace(/\D/g, "");
    if (key === "back") {
      value = value.slice(0, -1);
    } else if (key === "clear") {
      value = "";
    } else if (value.length < DIGITS) {
      value += key;
    }
    input.value = value;
    // Said to a screen reader: how far the code is, not the digits themselves.
    const typed = form.querySelector("[data-kiosk-typed]");
    if (typed) {
      typed.textContent = form.dataset.msgTyped.replace("%(count)s", String(value.length));
    }
  });
}

const result = document.querySelector("[data-kiosk-result]");
if (result) {
  const seconds = Number(result.dataset.returnAfter) || 30;
  window.setTimeout(() => window.location.assign(result.dataset.returnTo), seconds * 1000);
}

const scan = document.querySelector("[data-kiosk-scan]");
if (scan && form && input && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  const toggle = scan.querySelector("[data-kiosk-camera]");
  const video = scan.querySelector("[data-kiosk-video]");
  const status = scan.querySelector("[data-kiosk-scan-status]");
  let scanner = null;
  let done = false;
  let starting = false;

  const stop = () => {
    if (scanner) {
      scanner.stop();
      scanner = null;
    }
    video.hidden = true;
    toggle.textContent = scan.dataset.labelStart;
  };

  const read = (text) => {
    if (done) {
      return;
    }
    done = true;
    stop();
    input.value = text;
    status.textContent = scan.dataset.msgRead;
    form.requestSubmit(form.querySelector("[data-kiosk-open]"));
  };

  const failed = () => {
    stop();
    status.textContent = scan.dataset.msgFailed;
    input.focus();
  };

  scan.hidden = false;
  toggle.addEventListener("click", async () => {
    if (starting) {
      return;
    }
    if (scanner) {
      stop();
      status.textContent = "";
      return;
    }
    starting = true;
    status.textContent = scan.dataset.msgStarting;
    video.hidden = false;
    scanner = await startScanner({
      video,
      onCode: read,
      onError: failed,
      decoderUrl: new URL(scan.dataset.decoder, document.baseURI).href,
      facingMode: "user",
    });
    starting = false;
    if (scanner && !done) {
      toggle.textContent = scan.dataset.labelStop;
      status.textContent = scan.dataset.msgScanning;
    }
  });
  window.addEventListener("pagehide", stop);
}
