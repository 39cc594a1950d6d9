/* The card page of a Stripe payment (/paiement/carte/<intent>/): Stripe.js's Payment
 * Element, given the publishable key and the intent's client secret that the page carries
 * in data attributes. Confirming sends the card straight to Stripe; on success (or after
 * 3-D Secure) Stripe brings the shopper back to their order, whose state our webhook sets.
 * No inline script: the page's CSP allows this file and js.stripe.com only. */
(function () {
  "use strict";

  var form = document.querySelector("[data-card-payment]");
  if (!form) return;
  var message = form.querySelector("[data-card-payment-message]");
  var declined = form.querySelector("[data-card-payment-declined]");
  var button = form.querySelector("[data-card-payment-submit]");
  var loading = form.querySelector("[data-card-payment-loading]");

  function say(text) {
    message.textContent = text;
    message.hidden = false;
  }

  if (typeof window.Stripe !== "function") {
    if (loading) loading.hidden = true;
    say(form.dataset.errorUnavailable);
    return;
  }

  var stripe = window.Stripe(form.dataset.publishableKey, {
    locale: form.dataset.locale === "fr" ? "fr-CA" : "en",
  });
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  var payment = elements.create("payment");
  payment.on("ready", function () {
    if (loading) loading.hidden = true;
    button.disabled = false;
  });
  payment.mount(form.querySelector("[data-payment-element]"));

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    message.hidden = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Reached only when the payment could not go ahead; otherwise the browser is on
        // its way to return_url.
        button.removeAttribute("aria-busy");
        var error = result.error || {};
        say(error.message || form.dataset.errorGeneric);
        if (error.type === "card_error") {
          // A declined card cancels the order (docs/payments.md): no second try here.
          declined.hidden = false;
          return;
        }
        button.disabled = false;
      });
  });
})();
