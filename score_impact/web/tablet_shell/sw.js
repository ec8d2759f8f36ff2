// The tablet client's service worker: it only caches and routes (storage and the queue
// live in the page: store.js, sync.js).
//   - the app (/tablet and its files): from the cache, so a reload works offline;
//   - the round's bundle (/api/v1/tablet/rounds/...): from the network, else the cache;
//   - everything else (submits, other pages): untouched, straight to the network.
// The server fills in VERSION (a hash of the client's files) and ASSETS: a changed file
// makes a new worker, which replaces the cache when it activates.

const VERSION = "__VERSION__";
const ASSETS = __ASSETS__;
const CACHE = `score-tablet-${VERSION}`;
const BUNDLES = "score-tablet-bundles";
const SHELL = "/tablet";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("score-tablet-") && k !== CACHE && k !== BUNDLES).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

async function fromCache(request, fallbackUrl = null) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(fallbackUrl || request, { ignoreSearch: Boolean(fallbackUrl) });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && !fallbackUrl) cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(BUNDLES);
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(8000) });
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === SHELL && event.request.mode === "navigate") {
    event.respondWith(fromCache(event.request, SHELL));
  } else if (url.pathname.startsWith("/tablet/") && url.pathname !== "/tablet/sw.js") {
    event.respondWith(fromCache(event.request));
  } else if (url.pathname.startsWith("/api/v1/tablet/rounds/")) {
    event.respondWith(networkFirst(event.request));
  }
});
