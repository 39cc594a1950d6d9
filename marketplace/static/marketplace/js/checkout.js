/* The checkout's "Use my position" button for lockers (served from our static files, no
 * inline code).
 *
 * It asks the browser for the person's position, puts it, rounded to about 100 m, in the
 * form's hidden lat and lon fields, chooses the locker pickup and sends the form, which
 * comes back with the nearest lockers. Without this script or without geolocation the
 * button stays hidden: a typed postal code or the profile's address serves. */
(function () {
  "use strict";

  function setUp() {
    var form = document.querySelector("[data-speed-form]");
    if (!form || !("geolocation" in navigator)) {
      return;
    }
    var block = form.querySelector("[data-locker-position]");
    var button = form.querySelector("[data-locker-position-button]");
    var status = form.querySelector("[data-locker-position-status]");
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
          form.elements.where.value = "";
          var locker = form.querySelector("#pickup-locker");
          if (locker) {
            locker.checked = true;
          }
          status.textContent = button.dataset.found;
          form.submit();
        },
        function () {
          status.textContent = button.dataset.refused;
        },
        { maximumAge: 600000, timeout: 15000 }
      );
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
