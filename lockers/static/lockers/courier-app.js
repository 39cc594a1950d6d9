/* The courier app's pages: register its service worker (lockers/pwa_views.py), which keeps
 * the app's shell on the phone. The pages work the same without it. */
const script = document.querySelector("script[data-service-worker]");

async function register() {
  if (!("serviceWorker" in navigator) || !script) {
    return;
  }
  try {
    await navigator.serviceWorker.register(script.dataset.serviceWorker, {
      scope: script.dataset.scope,
    });
  } catch (_failure) {
    // No worker (a private window, an insecure origin): the app still works online.
  }
}

register();
