/* The courier app's service worker (lockers/pwa_views.py), version {{ version }}.
 *
 * - install: keeps the app shell (the offline page and the static files it needs) in a
 *   cache named after the version, a hash of those files: a changed file changes this
 *   script, the browser installs it again, and the old cache is deleted on activation;
 * - the shell's static files: from the cache first, the network when not kept;
 * - pages (navigations, also forms sent): the network first; without it, the offline page;
 * - API calls: the network only; without it, a problem+json 503 that the app can show.
 * Nothing else is stored: pages carry a person's data and a CSRF token. */
"use strict";

const CONFIG = {{ config_json|safe }};
const PREFIX = "uniqc-courier-";
const CACHE = PREFIX + CONFIG.version;
const SHELL = new Set(CONFIG.shell.map((path) => new URL(path, self.location.origin).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(CONFIG.shell))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE).map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function offlinePage() {
  return caches
    .open(CACHE)
    .then((cache) => cache.match(CONFIG.offline, { ignoreVary: true }))
    .then((page) => page || Response.error());
}

function offlineProblem() {
  const problem = {
    type: "about:blank",
    title: "Service Unavailable",
    status: 503,
    detail: "No network: the request was not sent.",
  };
  return new Response(JSON.stringify(problem), {
    status: 503,
    headers: { "Content-Type": "application/problem+json" },
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (url.pathname.startsWith(CONFIG.api)) {
    event.respondWith(fetch(request).catch(offlineProblem));
    return;
  }
  if (request.method === "GET" && SHELL.has(url.origin + url.pathname)) {
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match(url.pathname, { ignoreVary: true }))
        .then((kept) => kept || fetch(request)),
    );
  }
});
