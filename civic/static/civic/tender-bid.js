/* The bid page of a call for tenders (civic/templates/civic/tenders/detail.html): encrypts
 * the chosen file in this browser with the call's key (encryptBid, frontend/src/tender.js,
 * in the election bundle), then sends only the ciphertext and its proof, and shows the
 * receipt. docs/tender-record.md is the specification. The file never leaves this computer
 * in clear. */
import { encryptBid } from "../coop_governance/vendor/election.min.js";
import { csrfToken, stringsLoad } from "../coop_governance/election-http.js";

const root = document.getElementById("tender-bid");
if (root) {
  const t = stringsLoad("tender-strings");
  const form = root.querySelector("#tender-bid-form");
  const status = root.querySelector("[data-tender-status]");
  const receiptBox = root.querySelector("[data-tender-receipt]");
  const maxBytes = Number(root.dataset.maxBytes);
  let idempotencyKey = null;
  let chosen = null;

  const say = (text) => {
    status.textContent = text;
  };

  form.addEventListener("change", () => {
    idempotencyKey = null; // a new choice is a new bid
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector("#tender-file").files[0];
    const neq = form.querySelector("#tender-neq").value;
    if (!file) return say(t("no_file"));
    if (file.size + 28 > maxBytes) return say(t("too_large"));
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      if (!idempotencyKey || chosen !== file) {
        idempotencyKey = crypto.randomUUID();
        chosen = file;
      }
      say(t("encrypting"));
      const params = await (await fetch(root.dataset.paramsUrl, { credentials: "same-origin" })).json();
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { bid, ciphertext } = await encryptBid(
        params.manifest, params.fingerprint, params.public_key, neq, bytes,
      );
      say(t("sending"));
      const body = new FormData();
      body.append("bid", JSON.stringify(bid));
      body.append("ciphertext", new Blob([ciphertext], { type: "application/octet-stream" }), "bid.bin");
      const response = await fetch(root.dataset.bidUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(root), "Idempotency-Key": idempotencyKey },
      });
      const answer = await response.json();
      if (!response.ok) {
        say([answer.title, answer.detail].filter(Boolean).join(": "));
        return;
      }
      receiptBox.hidden = false;
      receiptBox.querySelector("[data-receipt-position]").textContent = String(answer.position);
      receiptBox.querySelector("[data-receipt-hash]").textContent = answer.receipt_hash;
      receiptBox.querySelector("[data-receipt-time]").textContent = answer.received_at;
      const link = receiptBox.querySelector("[data-receipt-download]");
      link.href = URL.createObjectURL(new Blob([JSON.stringify(answer, null, 1)], { type: "application/json" }));
      say(t("done"));
      idempotencyKey = null;
    } catch (error) {
      say(error instanceof TypeError ? t("network") : String(error.message || error));
    } finally {
      button.disabled = false;
    }
  });
}
