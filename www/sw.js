// ecglens service worker: keeps a copy of the site (app, model, atlas, examples) so it opens offline after the
// first visit. It only ever serves the site's own public files: a user's ECGs are File objects read in the tab,
// never fetched, so nothing about a patient reaches this cache.
//
// scripts/sw-precache.mjs (called by scripts/build-site.mjs) replaces the two placeholders below with the content hash of
// the build and the list of its files. A new build therefore means a new sw.js: the browser installs it next to
// the old one, and it takes over once no tab uses the old version (the standard lifecycle), or at once when the
// user asks for it ("Use the new version" in the footer: the page posts `ecglens-update`, then reloads).
const VERSION = '__ECGLENS_SW_VERSION__';
const FILES = __ECGLENS_SW_FILES__;
const CACHE = `ecglens-${VERSION}`;
const INDEX = new URL('./index.html', self.registration.scope).href;

self.addEventListener('install', (event) => {
  // All or nothing: addAll fails if any file fails, and the previous version stays in charge.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)));
});

self.addEventListener('message', (event) => {
  if (event.data === 'ecglens-update') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(
      keys.filter((key) => key.startsWith('ecglens-') && key !== CACHE).map((key) => caches.delete(key)),
    )),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // Any page of the site (e.g. `./?ecglens-test-panic=ui`) is the single-page app's index.html.
    const key = request.mode === 'navigate' ? INDEX : request;
    const cached = await cache.match(key, { ignoreSearch: true });
    return cached ?? fetch(request);
  })());
});
