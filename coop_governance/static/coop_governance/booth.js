/* The voting booth: the voter chooses, the ballot is encrypted on this device, and the
 * voter either casts it or checks it (the Benaloh challenge: the ballot is opened here,
 * shown to hold the choices made, offered as a file for an independent check, and
 * discarded). The server only ever receives the encrypted ballot; its proofs let anyone
 * check it without learning the choices (docs/election-record.md, section 7).
 *
 * The page (hD's template) gives:
 * - <div id="booth" data-params-url data-cast-url data-board-url>, with the CSRF token's
 *   hidden input, and any [data-booth-noscript] element it shows to a browser without
 *   script (hidden here);
 * - <script type="application/json" id="booth-strings">: every sentence this code shows,
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
  stringsLoad,
} from "./election-http.js";

const LANGUAGE = (document.documentElement.lang || "fr").toLowerCase().startsWith("en") ? "en" : "fr";

/** A manifest's text ({fr, en} or a plain string) in the page's language. */
function localised(text) {
  if (typeof text === "string") return text;
  if (!text || typeof text !== "object") return "";
  return text[LANGUAGE] ?? text.fr ?? text.en ?? Object.values(text)[0] ?? "";
}

class Booth {
  constructor(root) {
    this.root = root;
    this.t = stringsLoad("booth-strings");
    this.params = null;
    this.current = null; // the encrypted ballot on show: {ballot, secrets, tracker, choices}
    this.selected = null; // the voter's last choices, kept to fill the form again
    this.counter = 0; // makes element ids unique when the form is drawn again
  }

  async start() {
    const { root, t } = this;
    for (const node of root.querySelectorAll("[data-booth-noscript]")) node.hidden = true;
    this.steps = el(
      "ol",
      { className: "steps", "data-booth-steps": true },
      el("li", { "data-step": "choose", text: t("step_choose") }),
      el("li", { "data-step": "encrypt", text: t("step_encrypt") }),
      el("li", { "data-step": "cast", text: t("step_cast") }),
    );
    this.status = el("div", {
      className: "notice notice--info",
      role: "status",
      "aria-live": "polite",
      "data-booth-status": true,
    });
    this.problem = el("div", {
      className: "notice notice--error",
      role: "alert",
      hidden: true,
      "data-booth-problem": true,
    });
    this.done = el("div", { className: "stack", "data-booth-done-area": true });
    this.work = el("div", { className: "stack", "data-booth-work": true });
    root.append(this.steps, this.status, this.problem, this.done, this.work);
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
    if (manifestFingerprint(params.manifest) !== params.fingerprint) {
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
    this.chooseShow();
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
    problemShow(this.problem, problem, this.t);
    this.say("");
  }

  /* ------------------------------------------------------------ step 1: choosing */

  chooseShow() {
    const { t } = this;
    const { manifest } = this.params;
    this.counter += 1;
    const form = el("form", { className: "stack", novalidate: true, "data-booth-choose": true });
    manifest.questions.forEach((question, q) => {
      form.append(this.questionField(question, q, this.selected ? this.selected[q] : null));
    });
    form.append(
      el(
        "div",
        { className: "actions" },
        el("button", { type: "submit", "data-booth-encrypt": true, text: t("encrypt_button") }),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.encrypt(form);
    });
    this.work.replaceChildren(form);
    this.state("choosing", "choose");
    this.say(t("choose_intro"));
  }

  questionField(question, q, previous) {
    const { t } = this;
    const id = `booth-${this.counter}-q${q}`;
    const field = el("fieldset", {
      className: "field",
      id,
      "data-question": question.id,
      "aria-describedby": `${id}-hint ${id}-error`,
    });
    field.append(el("legend", { className: "field__label", text: localised(question.text) }));
    const hint = el("p", { className: "field__hint", id: `${id}-hint` });
    const error = el("p", { className: "field__error", id: `${id}-error`, hidden: true, "data-question-error": true });
    field.append(hint, error);
    if (question.kind === "choose") {
      hint.textContent =
        question.min === question.max
          ? t("choose_exactly", { n: question.min })
          : t("choose_between", { min: question.min, max: question.max });
      const single = question.min === 1 && question.max === 1;
      question.answers.forEach((answer, i) => {
        const input = el("input", {
          type: single ? "radio" : "checkbox",
          id: `${id}-a${i}`,
          name: `${id}-answer`,
          value: String(i),
          checked: Boolean(previous && previous.includes(i)),
        });
        field.append(
          el("div", { className: "field--choice" }, input, el("label", { for: input.id, text: localised(answer) })),
        );
      });
    } else {
      const places = Math.min(question.ranks, question.answers.length);
      hint.textContent = t("rank_hint", { ranks: places });
      question.answers.forEach((answer, i) => {
        const select = el("select", { id: `${id}-a${i}`, className: "input--narrow", "data-candidate": String(i) });
        select.append(el("option", { value: "", text: t("rank_none") }));
        for (let rank = 1; rank <= places; rank++) {
          select.append(el("option", { value: String(rank), text: t("rank_option", { n: rank }) }));
        }
        const at = previous ? previous.indexOf(i) : -1;
        select.value = at >= 0 ? String(at + 1) : "";
        field.append(el("div", { className: "field" }, el("label", { for: select.id, text: localised(answer) }), select));
      });
    }
    return field;
  }

  /** The choices on the form, in encryptBallot's shape, or null after marking each question
   * whose answer the manifest does not allow. */
  choicesRead(form) {
    const { t } = this;
    const { manifest } = this.params;
    const choices = [];
    let firstBad = null;
    manifest.questions.forEach((question, q) => {
      const field = form.querySelectorAll("fieldset[data-question]")[q];
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
        const byRank = new Map();
        for (const select of field.querySelectorAll("select")) {
          if (select.value === "") continue;
          const rank = Number(select.value);
          if (byRank.has(rank) && !message) message = t("rank_twice", { n: rank });
          byRank.set(rank, Number(select.dataset.candidate));
        }
        for (let rank = 1; rank <= byRank.size && !message; rank++) {
          if (!byRank.has(rank)) message = t("rank_gap", { n: rank });
        }
        choice = [...byRank.keys()].sort((a, b) => a - b).map((rank) => byRank.get(rank));
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

  async encrypt(form) {
    const { t } = this;
    const choices = this.choicesRead(form);
    if (!choices) return;
    this.selected = choices;
    this.problem.hidden = true;
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    this.state("encrypting", "encrypt");
    this.say(t("encrypting"));
    await paint();
    const { manifest, fingerprint, public_key: publicKey } = this.params;
    const started = performance.now();
    let encrypted;
    try {
      encrypted = encryptBallot(manifest, fingerprint, publicKey, choices);
    } catch (error) {
      this.fail(error);
      this.chooseShow();
      return;
    }
    this.root.dataset.encryptMs = String(Math.round(performance.now() - started));
    this.current = { ...encrypted, choices };
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
    this.selected = null;
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
