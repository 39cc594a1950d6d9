/* The trustee's ceremony page: each step of the key generation, the shuffles of ranked
 * ballots and the partial decryption, done in this browser (docs/election-record.md,
 * sections 6, 8 and 9). The trustee's secrets live only in their key file
 * ({"format": "uniqc-trustee-key/v1", election_id, index, transport_secret, secret_share}),
 * saved on their device before anything that depends on it is published, and read back
 * here with FileReader: the file is never sent anywhere.
 *
 * The page (the template coop_governance/elections/trustee.html) gives <div id="trustee"
 * data-state-url data-post-urls='{"cle", "distribution", "verification", "melange",
 * "depouillement"}'> (the CSRF token is the form's hidden input when there is one, else
 * the cookie), its [data-trustee-status] live region, and
 * <script type="application/json" id="trustee-strings"> (the include
 * coop_governance/elections/_trustee_strings.html) with every sentence shown here. The page asks the server for the ceremony's state
 * (etat.json) every few seconds and shows what this trustee has to do now.
 *
 * root.dataset.trusteePhase is the phase on show; root.dataset.trusteeStep is idle, busy,
 * saved (a key file is offered, publishing waits for the trustee) or posted. */
import * as election from "./vendor/election.min.js";
import {
  ProblemError,
  csrfToken,
  el,
  getJson,
  jsonDownload,
  paint,
  postJson,
  problemShow,
  statusBoxes,
  stringsLoad,
} from "./election-http.js";

const KEY_FORMAT = "uniqc-trustee-key/v1";
const POLL_MS = 3000;
const DECRYPT_CHUNK = 16; // ciphertexts between two paints of the counter

class Ceremony {
  constructor(root) {
    this.root = root;
    this.t = stringsLoad("trustee-strings");
    this.urls = JSON.parse(root.dataset.postUrls);
    this.state = null;
    this.shownKey = null; // what is on show: the phase, and the shuffle's place for "mix"
    this.step = "idle";
  }

  start() {
    const { root } = this;
    for (const node of root.querySelectorAll("[data-trustee-noscript]")) node.hidden = true;
    ({ status: this.status, problem: this.problem } = statusBoxes(root, "trustee", "p"));
    this.work = el("div", { className: "stack", "data-trustee-work": true });
    root.append(this.status, this.problem, this.work);
    this.say(this.t("loading"));
    this.poll();
  }

  async poll() {
    try {
      await this.refresh();
    } finally {
      setTimeout(() => this.poll(), POLL_MS);
    }
  }

  /** Reads the state and, unless the trustee is in the middle of a step, shows the phase
   * when it changed. */
  async refresh() {
    let state;
    try {
      state = await getJson(this.root.dataset.stateUrl);
    } catch (error) {
      if (this.step !== "busy" && this.step !== "saved") this.fail(error);
      return;
    }
    this.state = state;
    if (this.step === "busy" || this.step === "saved") return;
    const key = state.phase === "mix" && state.mix ? `mix:${state.mix.question_id}:${state.mix.position}` : state.phase;
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.problem.hidden = true;
    this.phaseShow(state);
  }

  say(text) {
    this.status.textContent = text;
  }

  setStep(step) {
    this.step = step;
    this.root.dataset.trusteeStep = step;
    this.root.setAttribute("aria-busy", step === "busy");
  }

  fail(error) {
    const problem =
      error instanceof ProblemError
        ? error.problem
        : { title: this.t("problem_title"), code: "page_error", detail: String(error.message || error) };
    problemShow(this.problem, problem, this.t);
  }

  phaseShow(state) {
    const { t } = this;
    this.root.dataset.trusteePhase = state.phase;
    this.setStep("idle");
    const build = {
      transport: () => this.transportShow(),
      deal: () => this.dealShow(),
      check: () => this.checkShow(),
      mix: () => this.mixShow(),
      decrypt: () => this.decryptShow(),
    }[state.phase];
    const heading = el("h2", { tabindex: "-1", text: t(`${state.phase}_title`) });
    const section = el(
      "section",
      { className: "stack", "data-trustee-phase": state.phase },
      heading,
      el("p", { text: t(`${state.phase}_explain`, { index: state.index, threshold: state.threshold }) }),
    );
    if (build) section.append(...build());
    this.work.replaceChildren(section);
    this.say(t(`${state.phase}_status`));
  }

  /** Runs one step: its buttons disabled meanwhile, its failure shown. */
  async run(section, work) {
    for (const control of section.querySelectorAll("button, input")) control.disabled = true;
    this.problem.hidden = true;
    this.setStep("busy");
    try {
      await work();
    } catch (error) {
      this.fail(error);
      for (const control of section.querySelectorAll("button, input")) control.disabled = false;
      this.setStep("idle");
      this.say("");
    }
  }

  /** Posts to one of the ceremony's endpoints, then shows the next phase at once. */
  async publish(name, body) {
    this.say(this.t("sending"));
    await postJson(this.urls[name], body, csrfToken(this.root));
    this.setStep("posted");
    this.say(this.t("posted"));
    this.shownKey = null;
    await this.refresh();
  }

  /** Offers the key file: the download starts, the link stays, and the button to
   * publish what depends on the file comes only after. */
  keyFileOffer(section, keyFile, publishLabel, onPublish) {
    const { t } = this;
    const name = `trustee-key-${keyFile.election_id.slice(0, 8)}-${keyFile.index}.json`;
    const link = jsonDownload(keyFile, name, t("key_file_download"));
    link.dataset.trusteeKeyDownload = "";
    const publish = el("button", { type: "button", "data-trustee-publish": true, text: publishLabel });
    const offer = el(
      "div",
      { className: "stack", "data-trustee-key-offer": true },
      el("p", { text: t("key_file_saved") }),
      el("p", {}, link),
      el("div", { className: "actions" }, publish),
    );
    section.append(offer);
    this.setStep("saved");
    link.click();
    this.say(t("key_file_saved"));
    publish.addEventListener("click", () => {
      this.run(offer, onPublish);
    });
    publish.focus();
  }

  keyFileInput() {
    const id = "trustee-key-file";
    return el(
      "div",
      { className: "field" },
      el("label", { for: id, text: this.t("key_file_label") }),
      el("p", { className: "field__hint", id: `${id}-hint`, text: this.t("key_file_hint") }),
      el("input", {
        type: "file",
        id,
        accept: ".json,application/json",
        "aria-describedby": `${id}-hint`,
        "data-trustee-key-file": true,
      }),
    );
  }

  /** The key file the trustee chose, read on this device and checked to be this
   * trustee's, for this election (and holding the secret share when `share` is asked). */
  async keyFileRead(section, { share }) {
    const { t, state } = this;
    const input = section.querySelector("[data-trustee-key-file]");
    const file = input.files && input.files[0];
    const refuse = (detail) => {
      input.setAttribute("aria-invalid", "true");
      throw new ProblemError({ title: t("key_file_refused"), code: "key_file", detail });
    };
    if (!file) refuse(t("key_file_missing"));
    let keyFile;
    try {
      keyFile = JSON.parse(await fileText(file));
    } catch {
      refuse(t("key_file_unreadable"));
    }
    if (!keyFile || keyFile.format !== KEY_FORMAT) refuse(t("key_file_unreadable"));
    if (keyFile.election_id !== state.election_id) refuse(t("key_file_other_election"));
    if (keyFile.index !== state.index) refuse(t("key_file_other_trustee", { index: keyFile.index }));
    if (share && !keyFile.secret_share) refuse(t("key_file_no_share"));
    input.removeAttribute("aria-invalid");
    return keyFile;
  }

  /* ------------------------------------------------------------ key generation */

  transportShow() {
    const button = el("button", { type: "button", "data-trustee-generate": true, text: this.t("transport_button") });
    button.addEventListener("click", () => {
      const section = button.closest("section");
      this.run(section, async () => {
        const { election_id: eid, fingerprint, index } = this.state;
        this.say(this.t("working"));
        await paint();
        const key = election.trusteeTransportKey(eid, fingerprint, index);
        const keyFile = {
          format: KEY_FORMAT,
          election_id: eid,
          index,
          transport_secret: key.secret,
          secret_share: null,
        };
        this.keyFileOffer(section, keyFile, this.t("transport_publish"), () =>
          this.publish("cle", { key: key.key, proof: key.proof }),
        );
      });
    });
    return [el("div", { className: "actions" }, button)];
  }

  dealShow() {
    const button = el("button", { type: "button", "data-trustee-deal": true, text: this.t("deal_button") });
    button.addEventListener("click", () => {
      const section = button.closest("section");
      this.run(section, async () => {
        const { election_id: eid, fingerprint, index, threshold, trustees } = this.state;
        const keys = {};
        for (const trustee of trustees) {
          const key = trustee.transport_key;
          keys[trustee.index] = typeof key === "string" ? key : key && key.key;
        }
        this.say(this.t("working"));
        await paint();
        const dealt = election.trusteeDeal(eid, fingerprint, index, threshold, keys);
        await this.publish("distribution", dealt);
      });
    });
    return [el("div", { className: "actions" }, button)];
  }

  checkShow() {
    const button = el("button", { type: "button", "data-trustee-check": true, text: this.t("check_button") });
    button.addEventListener("click", () => {
      const section = button.closest("section");
      this.run(section, async () => {
        const keyFile = await this.keyFileRead(section, { share: false });
        const { election_id: eid, fingerprint, index, threshold, received } = this.state;
        this.say(this.t("working"));
        await paint();
        const checked = election.trusteeCheckShares(
          eid,
          fingerprint,
          index,
          keyFile.transport_secret,
          received,
          threshold,
        );
        if (checked.ok) {
          this.keyFileOffer(section, { ...keyFile, secret_share: checked.secretShare }, this.t("check_publish"), () =>
            this.publish("verification", { verification_key: checked.verificationKey }),
          );
          return;
        }
        this.complaintOffer(section, checked.problems);
      });
    });
    return [this.keyFileInput(), el("div", { className: "actions" }, button)];
  }

  /** A share that does not match its dealer's commitments: the trustee sees why and sends
   * the complaint (the ceremony then starts again). */
  complaintOffer(section, problems) {
    const { t } = this;
    const blamed = problems.find((problem) => Number.isInteger(problem.from)) || problems[0];
    const send = el("button", { type: "button", className: "button--danger", "data-trustee-complain": true, text: t("complaint_button") });
    const offer = el(
      "div",
      { className: "notice notice--warning", "data-trustee-complaint": true },
      el("p", { text: t("complaint_explain", { from: blamed.from ?? "?" }) }),
      el("ul", {}, problems.map((p) => el("li", {}, el("code", { text: p.path }), " ", p.reason))),
      el("div", { className: "actions" }, send),
    );
    section.append(offer);
    this.setStep("saved");
    this.say(t("complaint_explain", { from: blamed.from ?? "?" }));
    send.addEventListener("click", () =>
      this.run(offer, () =>
        this.publish("verification", {
          complaint: { from: blamed.from, reason: `${blamed.path}: ${blamed.reason}` },
        }),
      ),
    );
  }

  /* ------------------------------------------------------------ shuffle (ranked questions) */

  mixShow() {
    const { t } = this;
    const mix = this.state.mix;
    const counter = el("p", { "data-trustee-progress": true, hidden: true });
    const progress = el("progress", { hidden: true, "aria-hidden": "true" });
    const button = el("button", { type: "button", "data-trustee-mix": true, text: t("mix_button") });
    button.addEventListener("click", () => {
      const section = button.closest("section");
      this.run(section, async () => {
        // The key file's transport secret signs the shuffle: the server cannot post one in
        // this trustee's name (docs/election-record.md, 9.3).
        const keyFile = await this.keyFileRead(section, { share: false });
        const { election_id: eid, fingerprint, public_key: publicKey } = this.state;
        const total = mix.input.length;
        counter.hidden = false;
        progress.hidden = false;
        this.say(t("mix_working", { total }));
        const started = performance.now();
        const tick = () => {
          counter.textContent = t("mix_elapsed", { seconds: Math.floor((performance.now() - started) / 1000) });
        };
        tick();
        const timer = setInterval(tick, 1000);
        let shuffled;
        try {
          shuffled = await shuffleOffThread({
            eid,
            fingerprint,
            publicKey,
            questionId: mix.question_id,
            position: mix.position,
            input: mix.input,
            trustee: keyFile.index,
            transportSecret: keyFile.transport_secret,
          });
        } finally {
          clearInterval(timer);
        }
        progress.hidden = true;
        this.root.dataset.mixMs = String(Math.round(performance.now() - started));
        await this.publish("melange", {
          question_id: mix.question_id,
          position: mix.position,
          output: shuffled.output,
          proof: shuffled.proof,
          signature: shuffled.signature,
        });
      });
    });
    return [
      el("p", { text: t("mix_what", { count: mix.input.length, question: mix.question_id }) }),
      this.keyFileInput(),
      el("div", { className: "actions" }, button),
      progress,
      counter,
    ];
  }

  /* ------------------------------------------------------------ partial decryption */

  decryptShow() {
    const { t } = this;
    const counter = el("p", { "data-trustee-progress": true, hidden: true });
    const progress = el("progress", { max: "1", value: "0", hidden: true, "aria-hidden": "true" });
    const button = el("button", { type: "button", "data-trustee-decrypt": true, text: t("decrypt_button") });
    button.addEventListener("click", () => {
      const section = button.closest("section");
      this.run(section, async () => {
        const keyFile = await this.keyFileRead(section, { share: true });
        const { election_id: eid, fingerprint, public_key: publicKey, index } = this.state;
        const wanted = this.state.decrypt || { tally: {}, mixed: {} };
        const tally = wanted.tally || {};
        const mixed = wanted.mixed || {};
        const total =
          Object.values(tally).reduce((sum, list) => sum + list.length, 0) +
          Object.values(mixed).reduce((sum, rows) => sum + rows.reduce((n, row) => n + row.length, 0), 0);
        let done = 0;
        counter.hidden = false;
        progress.hidden = false;
        progress.max = String(total || 1);
        const shown = () => {
          counter.textContent = t("decrypt_progress", { done, total });
          progress.value = String(done);
        };
        shown();
        this.say(t("decrypt_working", { total }));
        await paint();
        const decrypt = async (ciphertexts) => {
          const shares = [];
          for (let start = 0; start < ciphertexts.length; start += DECRYPT_CHUNK) {
            const chunk = ciphertexts.slice(start, start + DECRYPT_CHUNK);
            shares.push(
              ...election.trusteePartialDecrypt(eid, fingerprint, publicKey, index, keyFile.secret_share, chunk),
            );
            done += chunk.length;
            shown();
            await paint();
          }
          return shares;
        };
        const body = { tally: {}, mixed: {} };
        for (const [qid, list] of Object.entries(tally)) body.tally[qid] = await decrypt(list);
        for (const [qid, rows] of Object.entries(mixed)) {
          body.mixed[qid] = [];
          for (const row of rows) body.mixed[qid].push(await decrypt(row));
        }
        await this.publish("depouillement", body);
      });
    });
    return [this.keyFileInput(), el("div", { className: "actions" }, button), progress, counter];
  }
}

/** The bundle's trusteeShuffle in a worker (shuffle-worker.js): the page keeps answering, and its
 * counter ticks, during a shuffle of many ballots. Where a module worker cannot start,
 * the shuffle runs here. */
function shuffleOffThread(task) {
  let worker;
  try {
    worker = new Worker(new URL("./shuffle-worker.js", import.meta.url), { type: "module" });
  } catch {
    return paint().then(() =>
      election.trusteeShuffle(task.eid, task.fingerprint, task.publicKey, task.questionId, task.position, task.input, {
        trustee: task.trustee,
        transportSecret: task.transportSecret,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    worker.addEventListener("message", (event) => {
      worker.terminate();
      if (event.data.ok) resolve(event.data);
      else reject(new Error(event.data.path ? `${event.data.path}: ${event.data.message}` : event.data.message));
    });
    worker.addEventListener("error", (event) => {
      worker.terminate();
      reject(new Error(event.message || "the shuffle's worker failed"));
    });
    worker.postMessage(task);
  });
}

function fileText(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

const root = document.getElementById("trustee");
if (root) {
  new Ceremony(root).start();
}
