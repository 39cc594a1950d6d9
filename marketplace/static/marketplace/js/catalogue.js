/* The catalogue's "Near me" button (served from our static files, no inline code).
 *
 * It asks the browser for the person's position, puts it, rounded to about 100 m, in the
 * form's hidden lat and lon fields, chooses a distance when none is chosen, and sends
 * the form (htmx then updates the results in place). The button stays hidden without
 * this script or without geolocation: the filters still work, from the address saved in
 * the person's profile.
 *
 * It also leaves the empty fields out of the address htmx asks for and puts in the
 * history, so that a shared link reads /catalogue/?q=pain&sort=price. */
(function () {
  "use strict";

  var DEFAULT_DISTANCE_KM = "10";

  function setUp() {
    var form = document.querySelector("[data-catalogue-form]");
    if (!form || !("geolocation" in navigator)) {
      return;
    }
    var block = form.querySelector("[data-near-me]");
    var button = form.querySelector("[data-near-me-button]");
    var status = form.querySelector("[data-near-me-status]");
    if (!block || !button || !status) {
      return;
    }
    block.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.waiting;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(3);
          form.elements.lon.value = position.coords.longitude.toFixed(3);
          if (form.elements.distance && !form.elements.distance.value) {
            form.elements.distance.value = DEFAULT_DISTANCE_KM;
          }
          status.textContent = button.dataset.found;
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        },
        function () {
          status.textContent = button.dataset.refused;
        },
        { maximumAge: 600000, timeout: 15000 }
      );
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt.matches("[data-catalogue-form]")) {
      return;
    }
    var parameters = event.detail.parameters;
    Object.keys(parameters).forEach(function (name) {
      if (parameters[name] === "") {
        delete parameters[name];
      }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
