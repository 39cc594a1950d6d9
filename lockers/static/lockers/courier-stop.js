/* A stop's scanner: a label's QR text (UQL1.…) is checked against the published label keys
 * in the page, offline too (label-verify.js), before it is sent; a forged or altered label
 * is refused here, and the server checks it again. A typed parcel code is sent as it is. */
import { labelKeysLoad, labelVerify } from "./label-verify.js";

const stop = document.querySelector("[data-courier-stop]");
const form = stop && stop.querySelector("form[data-scanner]");

if (form) {
  const input = form.querySelector("[data-scanner-input]");
  const say = stop.querySelector("[data-courier-verify]");
  let checked = null;

  form.addEventListener("submit", async (event) => {
    const text = input.value.trim();
    if (!text.includes(".") || checked === text) {
      return;
    }
    event.preventDefault();
    say.textContent = "";
    let jwks = null;
    try {
      jwks = await labelKeysLoad(stop.dataset.labelKeys);
    } catch {
      // No keys on this phone yet: the server checks the label.
      checked = text;
      form.requestSubmit();
      return;
    }
    try {
      await labelVerify(text, jwks);
    } catch (_refused) {
      say.textContent = stop.dataset.msgForged;
      input.setAttribute("aria-invalid", "true");
      form.dataset.labelRefused = "true";
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    delete form.dataset.labelRefused;
    checked = text;
    form.requestSubmit();
  });
}
