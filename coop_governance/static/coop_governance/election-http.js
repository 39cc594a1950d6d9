/* What the booth (booth.js) and the trustee ceremony (trustee.js) share: their JSON calls to
 * the election's endpoints, the page's translated strings, and how a refusal is shown.
 *
 * Every refusal from the server is a problem document (RFC 9457, core/problems.py):
 * {title, status, code, detail?, errors?}; it is shown as it is (title and detail, in the
 * request's language) with, for `assurance_too_low`, the link to sign in again at the
 * level asked when the problem names one (`step_up_url`). */

/** The page's strings: a <script type="application/json" id="..."> the template fills
 * with translated text (json_script), so that no sentence is written in this code. */
export function stringsLoad(id) {
  const node = document.getElementById(id);
  const table = node ? JSON.parse(node.textContent) : {};
  return function t(key, values = {}) {
    const text = Object.hasOwn(table, key) ? table[key] : key;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.hasOwn(values, name) ? String(values[name]) : whole,
    );
  };
}

/** Django's CSRF token: a form's hidden input (inside `root` first), else the cookie. */
export function csrfToken(root) {
  const input =
    root.querySelector("input[name=csrfmiddlewaretoken]") ||
    document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
}

/** A refusal or a failure of a call, carrying the problem document (or one made from the
 * status when the answer was not a problem document, e.g. a proxy's HTML page). */
export class ProblemError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
}

async function answerRead(response) {
  const type = response.headers.get("Content-Type") || "";
  const json = type.includes("json") ? await response.json().catch(() => null) : null;
  if (response.ok) {
    if (json === null) {
      throw new ProblemError({ title: response.statusText, status: response.status, code: "bad_answer" });
    }
    return json;
  }
  if (json && typeof json === "object" && json.title) throw new ProblemError(json);
  throw new ProblemError({
    title: response.statusText || String(response.status),
    status: response.status,
    code: "http_" + response.status,
  });
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init });
  } catch (error) {
    throw new ProblemError({ title: "", status: 0, code: "network", detail: String(error) });
  }
  return answerRead(response);
}

export function getJson(url) {
  return send(url, { headers: { Accept: "application/json" }, cache: "no-store" });
}

export function postJson(url, body, csrf) {
  return send(url, {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": csrf,
    },
    body: JSON.stringify(body),
  });
}

/** An element made of a tag, attributes and children (strings become text nodes: no
 * markup from data ever reaches the page). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

/** Fills `box` with the problem: its title and detail, the field errors it lists, and
 * the step-up link when the server asks for a sign-in with more assurance. `t` gives the
 * page's strings: problem_network, problem_title, step_up. */
/** The page's polite status line (`status`, made if the template has none) and a hidden
 * alert box for problems, both styled alike on the booth and the trustee's page. `name` is
 * the page's data-attribute prefix ("booth", "trustee"). */
export function statusBoxes(root, name, tag) {
  const status =
    root.querySelector(`[data-${name}-status]`) || el(tag, { [`data-${name}-status`]: true });
  status.className = "notice notice--info wrap-anywhere";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const problem = el("div", {
    className: "notice notice--error wrap-anywhere",
    role: "alert",
    hidden: true,
    [`data-${name}-problem`]: true,
  });
  return { status, problem };
}

export function problemShow(box, problem, t) {
  box.replaceChildren();
  box.hidden = false;
  box.dataset.problemCode = problem.code || "";
  if (problem.code === "network") {
    box.append(el("p", { className: "notice__title", text: t("problem_network") }));
    return;
  }
  box.append(el("p", { className: "notice__title", text: problem.title || t("problem_title") }));
  if (problem.detail) box.append(el("p", { text: problem.detail }));
  if (problem.errors && typeof problem.errors === "object") {
    const list = el("ul");
    for (const [field, messages] of Object.entries(problem.errors)) {
      for (const message of [].concat(messages)) {
        const text = typeof message === "string" ? message : JSON.stringify(message);
        list.append(el("li", {}, el("code", { text: field }), " ", text));
      }
    }
    if (list.childElementCount) box.append(list);
  }
  if (problem.code === "assurance_too_low" && problem.step_up_url) {
    box.append(el("p", {}, el("a", { href: problem.step_up_url, "data-step-up": true, text: t("step_up") })));
  }
}

/** A link that saves `value` as a JSON file (made on this device: nothing is sent). The
 * page keeps it on show so that the file can be saved again; link.click() starts it. */
export function jsonDownload(value, filename, label) {
  const blob = new Blob([JSON.stringify(value, null, 2) + "\n"], { type: "application/json" });
  return el("a", { href: URL.createObjectURL(blob), download: filename, text: label });
}

/** Gives the browser a moment to paint (the live region's words, a counter) before a
 * long computation that holds the main thread. */
export function paint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
