/* The manifest page: ask the browser for the courier's position and reload the route from
 * it (?lat=&lon=). Asked once per visit on its own; the button asks again. Without it, or
 * refused, the route starts at the westernmost stop. */
const box = document.querySelector("[data-courier-position]");

function go(position) {
  const url = new URL(window.location.href);
  url.searchParams.set("lat", position.coords.latitude.toFixed(5));
  url.searchParams.set("lon", position.coords.longitude.toFixed(5));
  window.location.replace(url.href);
}

function locate() {
  const status = box.querySelector("[data-courier-position-status]");
  status.textContent = box.dataset.msgAsking;
  navigator.geolocation.getCurrentPosition(go, () => {
    status.textContent = box.dataset.msgRefused;
  }, { enableHighAccuracy: false, maximumAge: 120000, timeout: 10000 });
}

if (box && "geolocation" in navigator) {
  const button = box.querySelector("[data-courier-locate]");
  button.hidden = false;
  button.addEventListener("click", locate);
  const params = new URLSearchParams(window.location.search);
  const asked = "uniqc.courier.position-asked";
  if (!params.has("lat") && !sessionStorage.getItem(asked)) {
    sessionStorage.setItem(asked, "1");
    locate();
  }
}
