/* The voting booth: the voter chooses, the ballot is encrypted on this device, and the
 * voter either casts it or checks it (the Benaloh challenge: the ballot is opened here,
 * shown to hold the choices made, offered as a file for an independent check, and
 * discarded). The server only ever receives the encrypted ballot; its proofs let anyone
 * check it without learning the choices (docs/election-record.md, section 7).
 *
 * It enhances the booth's form (the template coop_governance/elections/booth.html):
 * - <div id="booth" data-params-url data-cast-url data-board-url [data-step-up-url]>;
 * - in it <form id="booth-form">, one <fieldset data-question="<qid>"> per question: a
 *   choose question's inputs are named by its id and valued by the answer's index; a rank
 *   question has one <select data-rank="<n>"> per rank whose value is a candidate's index
 *   ("" for no one); <div data-booth-actions> receives the button; <div data-booth-status>
 *   is the live region;
 * - <script type="application/json" id="booth-strings"> (the include
 *   coop_governance/elections/_booth_strings.html): every sentence shown here,
 *   translated; "{name}" in a sentence is replaced by a value.
 *
 * root.dataset.boothState says where the voter is: loading, closed, choosing, encrypting,
 * encrypted, sending, cast, audited, failed. */
import { auditBallot, encryptBallot, manifestFingerprint } from "./vendor/election.min.js";
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

const LANGUAGE = (document.documentElement.lang || "fr").toLowerCase().startsWith("en") ? "en" : "fr";

/** A manifest's text ({fr, en} or a plain string) in the page's language. */
function localised(text) {
  if (typeof text === "string") return text;
  if (!text || typeof text !== "object") return "";
  return text[LANGUAGE] || text.fr || text.en || "";
}

class Booth {
  constructor(root) {
    this.root = root;
    this.t = stringsLoad("booth-strings");
    this.form = root.querySelector("form");
    this.params = null;
    this.current = null; // the encrypted ballot on show: {ballot, secrets, tracker, choices}
  }

  async start() {
    const { root, form, t } = this;
    this.steps = el(
      "ol",
      { className: "steps", "data-booth-steps": true },
      el("li", { "data-step": "choose", text: t("step_choose") }),
      el("li", { "data-step": "encrypt", text: t("step_encrypt") }),
      el("li", { "data-step": "cast", text: t("step_cast") }),
    );
    ({ status: this.status, problem: this.problem } = statusBoxes(root, "booth", "div"));
    this.done = el("div", { className: "stack", "data-booth-done-area": true });
    this.work = el("div", { className: "stack", "data-booth-work": true });
    root.prepend(this.steps, this.status, this.problem, this.done);
    root.append(this.work);
    if (form) form.hidden = true;
    this.state("loading", "choose");
    this.say(t("loading"));
    let params;
    try {
      params = await getJson(root.dataset.paramsUrl);
    } catch (error) {
      this.state("failed");
      this.fail(error);
      return;
    }
    const fields = form ? params.manifest.questions.map((q) => this.fieldOf(q.id)) : [];
    if (manifestFingerprint(params.manifest) !== params.fingerprint || !form || fields.includes(null)) {
      this.state("failed");
      this.say("");
      problemShow(this.problem, { title: t("params_bad"), code: "params_bad" }, t);
      return;
    }
    this.params = params;
    if (params.status !== "open") {
      this.state("closed");
      this.say(t("not_open"));
      return;
    }
    const encrypt = el("button", { type: "submit", "data-booth-encrypt": true, text: t("encrypt_button") });
    (form.querySelector("[data-booth-actions]") || form).append(encrypt);
    params.manifest.questions.forEach((question, q) => {
      const field = fields[q];
      const error = el("p", {
        className: "field__error",
        id: `booth-error-${q}`,
        hidden: true,
        "data-question-error": true,
      });
      field.querySelector("legend").after(error);
      for (const control of field.querySelectorAll("input, select")) {
        control.setAttribute("aria-describedby", error.id);
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.encrypt();
    });
    this.chooseShow();
  }

  fieldOf(qid) {
    for (const field of this.form.querySelectorAll("fieldset[data-question]")) {
      if (field.dataset.question === qid) return field;
    }
    return null;
  }

  state(name, step) {
    this.root.dataset.boothState = name;
    this.root.setAttribute("aria-busy", ["loading", "encrypting", "sending"].includes(name));
    if (step) {
      for (const item of this.steps.children) {
        if (item.dataset.step === step) item.setAttribute("aria-current", "step");
        else item.removeAttribute("aria-current");
      }
    }
  }

  say(text) {
    this.status.textContent = text;
    this.status.hidden = text === "";
  }

  /** Shows a refusal from the server, or a failure in this page (a bug or a value the
   * bundle refuses), in the alert box. */
  fail(error) {
    const problem =
      error instanceof ProblemError
        ? error.problem
        : { title: this.t("problem_title"), code: "page_error", detail: String(error.message || error) };
    if (problem.code === "assurance_too_low" && !problem.step_up_url && this.root.dataset.stepUpUrl) {
      problem.step_up_url = this.root.dataset.stepUpUrl;
    }
    problemShow(this.problem, problem, this.t);
    this.say("");
  }

  /* ------------------------------------------------------------ step 1: choosing */

  /** The form again, with the voter's last choices still on it. */
  chooseShow() {
    this.work.replaceChildren();
    this.form.hidden = false;
    for (const control of this.form.querySelectorAll("input, select, button")) control.disabled = false;
    this.state("choosing", "choose");
    this.say(this.t("choose_intro"));
  }

  /** The choices on the form, in encryptBallot's shape, or null after marking each question
   * whose answer the manifest does not allow. */
  choicesRead() {
    const { t } = this;
    const { manifest } = this.params;
    const choices = [];
    let firstBad = null;
    manifest.questions.forEach((question) => {
      const field = this.fieldOf(question.id);
      let message = "";
      let choice;
      if (question.kind === "choose") {
        choice = [...field.querySelectorAll("input:checked")].map((input) => Number(input.value));
        if (choice.length < question.min) {
          message = t("too_few", { count: choice.length, min: question.min });
        } else if (choice.length > question.max) {
          message = t("too_many", { count: choice.length, max: question.max });
        }
      } else {
        const byRank = [...field.querySelectorAll("select[data-rank]")]
          .map((select) => ({ rank: Number(select.dataset.rank), value: select.value }))
          .sort((a, b) => a.rank - b.rank);
        choice = [];
        let gap = null;
        for (const { rank, value } of byRank) {
          if (value === "") {
            gap = gap ?? rank;
            continue;
          }
          const candidate = Number(value);
          if (gap !== null && !message) message = t("rank_gap", { n: gap });
          if (choice.includes(candidate) && !message) {
            message = t("rank_twice", { name: localised(question.answers[candidate]) });
          }
          choice.push(candidate);
        }
        if (choice.length > question.ranks && !message) {
          message = t("too_many", { count: choice.length, max: question.ranks });
        }
      }
      const error = field.querySelector("[data-question-error]");
      error.textContent = message;
      error.hidden = !message;
      field.classList.toggle("field--error", Boolean(message));
      for (const control of field.querySelectorAll("input, select")) {
        if (message) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      }
      if (message && !firstBad) firstBad = field;
      choices.push(choice);
    });
    if (firstBad) {
      this.say(t("choices_invalid"));
      firstBad.querySelector("input, select").focus();
      return null;
    }
    return choices;
  }

  /* ------------------------------------------------------------ step 2: encrypting */

  async encrypt() {
    const { t, form } = this;
    const choices = this.choicesRead();
    if (!choices) return;
    this.problem.hidden = true;
    for (const control of form.querySelectorAll("input, select, button")) control.disabled = true;
    this.state("encrypting", "encrypt");
    this.say(t("encrypting"));
    await paint();
    const { manifest, fingerprint, public_key: publicKey } = this.params;
    const started = performance.now();
    let encrypted;
    try {
      encrypted = encryptBallot(manifest, fingerprint, publicKey, choices);
    } catch (error) {
      this.chooseShow();
      this.fail(error);
      return;
    }
    this.root.dataset.encryptMs = String(Math.round(performance.now() - started));
    this.current = { ...encrypted, choices };
    form.hidden = true;
    this.encryptedShow();
  }

  encryptedShow() {
    const { t } = this;
    const { tracker } = this.current;
    const heading = el("h2", { tabindex: "-1", text: t("encrypted_title") });
    const cast = el("button", { type: "button", "data-booth-cast": true, text: t("cast_button") });
    const check = el("button", {
      type: "button",
      className: "button--secondary",
      "data-booth-check": true,
      text: t("check_button"),
    });
    const back = el("button", {
      type: "button",
      className: "button--link",
      "data-booth-back": true,
      text: t("back_button"),
    });
    const section = el(
      "section",
      { className: "stack", "data-booth-encrypted": true },
      heading,
      el("p", { text: t("tracker_label") }),
      el("p", {}, el("code", { className: "wrap-anywhere", "data-booth-tracker": true, text: tracker })),
      el("p", { text: t("check_explain") }),
      el("div", { className: "actions" }, cast, check),
      el("p", {}, back),
    );
    cast.addEventListener("click", () => this.cast(section));
    check.addEventListener("click", () => this.audit());
    back.addEventListener("click", () => {
      this.current = null; // never sent: forgetting it is enough
      this.chooseShow();
    });
    this.work.replaceChildren(section);
    this.state("encrypted", "encrypt");
    this.say(t("encrypted", { tracker }));
    heading.focus();
  }

  /* ------------------------------------------------------------ the Benaloh check */

  audit() {
    const { t } = this;
    const { manifest, fingerprint, public_key: publicKey } = this.params;
    const { ballot, secrets, tracker, choices } = this.current;
    this.current = null; // an opened ballot is never cast
    const opened = auditBallot(manifest, fingerprint, publicKey, ballot, secrets);
    const matched = opened.ok && sameChoices(manifest, opened.choices, choices);
    const heading = el("h2", { tabindex: "-1", text: t("audit_title") });
    const contents = el("dl", { className: "summary-list", "data-booth-audit-choices": true });
    manifest.questions.forEach((question, q) => {
      const held = opened.choices ? opened.choices[q] : [];
      contents.append(el("dt", { text: localised(question.text) }));
      if (!held.length) {
        contents.append(el("dd", { text: t("audit_none") }));
      } else if (question.kind === "rank") {
        contents.append(
          el("dd", {}, el("ol", {}, held.map((i) => el("li", { text: localised(question.answers[i]) })))),
        );
      } else {
        contents.append(el("dd", { text: held.map((i) => localised(question.answers[i])).join(", ") }));
      }
    });
    const file = {
      format: "uniqc-opened-ballot/v1",
      manifest,
      fingerprint,
      public_key: publicKey,
      tracker,
      ballot,
      secrets,
    };
    const download = jsonDownload(file, `opened-ballot-${tracker.slice(0, 16)}.json`, t("audit_download"));
    download.dataset.boothAuditDownload = "";
    const again = el("button", { type: "button", "data-booth-again": true, text: t("again_button") });
    again.addEventListener("click", () => this.chooseShow());
    const verdict = el(
      "div",
      {
        className: matched ? "notice notice--success" : "notice notice--error",
        "data-booth-audit-result": matched ? "matched" : "mismatch",
      },
      el("p", { text: matched ? t("audit_matched") : t("audit_mismatch") }),
      opened.problems.length
        ? el("ul", {}, opened.problems.map((p) => el("li", {}, el("code", { text: p.path }), " ", p.reason)))
        : null,
    );
    const section = el(
      "section",
      { className: "stack", "data-booth-audit": true },
      heading,
      verdict,
      el("p", { text: t("audit_contents") }),
      contents,
      el("p", { text: t("audit_file") }),
      el("p", {}, download),
      el("p", { text: t("audit_discarded") }),
      el("div", { className: "actions" }, again),
    );
    this.work.replaceChildren(section);
    this.state("audited", "encrypt");
    this.say(matched ? t("audit_matched") : t("audit_mismatch"));
    heading.focus();
  }

  /* ------------------------------------------------------------ step 3: casting */

  async cast(section) {
    const { t } = this;
    const { ballot, tracker } = this.current;
    for (const button of section.querySelectorAll("button")) button.disabled = true;
    this.problem.hidden = true;
    this.state("sending", "cast");
    this.say(t("sending"));
    let answer;
    try {
      answer = await postJson(this.root.dataset.castUrl, ballot, csrfToken(this.root));
    } catch (error) {
      this.fail(error);
      // The voter may try to send it again, check it, or choose again.
      for (const button of section.querySelectorAll("button")) button.disabled = false;
      this.state("encrypted", "encrypt");
      return;
    }
    this.current = null;
    this.castShow(answer, tracker);
  }

  castShow(answer, tracker) {
    const { t } = this;
    const { manifest } = this.params;
    const shown = answer.tracker || tracker;
    const board =
      answer.board_url || `${this.root.dataset.boardUrl}?suivi=${encodeURIComponent(shown.slice(0, 16))}`;
    const heading = el("h2", { tabindex: "-1", text: t("cast_title") });
    const section = el(
      "section",
      { className: "stack", "data-booth-cast-done": true },
      heading,
      el("p", { text: t("tracker_label") }),
      el("p", {}, el("code", { className: "wrap-anywhere", "data-booth-cast-tracker": true, text: shown })),
      answer.replaced ? el("p", { "data-booth-replaced": true, text: t("cast_replaced") }) : null,
      answer.tracker && answer.tracker !== tracker
        ? el("div", { className: "notice notice--error", role: "alert", "data-booth-tracker-mismatch": true },
            el("p", { text: t("tracker_mismatch", { tracker }) }))
        : null,
      el("p", { text: t("cast_keep") }),
      el("p", {}, el("a", { href: board, "data-booth-board-link": true, text: t("board_link") })),
    );
    if (manifest.revote) {
      const again = el("button", {
        type: "button",
        className: "button--secondary",
        "data-booth-revote": true,
        text: t("revote_button"),
      });
      again.addEventListener("click", () => {
        again.disabled = true;
        this.chooseShow();
      });
      section.append(el("p", { text: t("revote_explain") }), el("div", { className: "actions" }, again));
    }
    this.done.replaceChildren(section);
    this.work.replaceChildren();
    this.state("cast", "cast");
    this.say(t("counted", { tracker: shown }));
    heading.focus();
  }
}

/** Whether an opened ballot holds what the voter chose (the order counts for a ranking,
 * not for a choice among answers). */
function sameChoices(manifest, opened, chosen) {
  return manifest.questions.every((question, q) => {
    const a = [...opened[q]];
    const b = [...chosen[q]];
    if (question.kind === "choose") {
      a.sort((x, y) => x - y);
      b.sort((x, y) => x - y);
    }
    return a.length === b.length && a.every((value, i) => value === b[i]);
  });
}

const root = document.getElementById("booth");
if (root) {
  new Booth(root).start();
}
