/* The design system's little script (served from our static files, no inline code).
 *
 * - An error summary takes the focus when it appears (on load, or when htmx swaps a form
 *   in), so that a keyboard or screen reader user starts from the list of problems.
 * - A link of the summary moves the focus to its field and brings the field's label into
 *   view, not only the input.
 * Without this script the pages still work: the summary is a role="alert" list of links. */
(function () {
  "use strict";

  function focusSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]:not([data-error-summary='static'])");
    if (summary) {
      summary.focus();
    }
  }

  function labelOf(input) {
    var fieldset = input.closest("fieldset");
    if (fieldset && fieldset.querySelector("legend") && input.type === "radio") {
      return fieldset.querySelector("legend");
    }
    return document.querySelector("label[for='" + input.id + "']") || input;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    labelOf(input).scrollIntoView();
    input.focus({ preventScroll: true });
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusSummary(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    focusSummary(event.target);
  });
})();
