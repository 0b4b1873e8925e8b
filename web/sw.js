// 开单's service worker: keeps the app's own files (the shell) so the app opens in a basement
// with no signal. It never touches the API (/api/…), whose answers are the server's alone to
// give and are never stored here, nor anything of another origin; work done offline waits in
// the app's own queue (IndexedDB), not here. scripts/build-web writes this file into web/dist
// with the build's version and its list of files in place of the two markers.
const VERSION = '__KAIDAN_VERSION__';
const SHELL = __KAIDAN_SHELL__;
const CACHE = 'kaidan-shell-' + VERSION;
// On a network that is up but goes nowhere, a page opens from the cache after this long.
const NAVIGATION_WAIT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)));
});

// The new version's files are in; the old versions' go (their pages have all closed by now,
// since a waiting worker activates only then).
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((k) => k.startsWith('kaidan-shell-') && k !== CACHE)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isShellPath(url) {
  return SHELL.includes(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    // The network's page first (it names the newest release); the kept one without a network.
    event.respondWith(new Promise((resolve) => {
      let done = false;
      const kept = () => caches.open(CACHE).then((c) => c.match('/')).then((hit) => hit || caches.match('/'));
      const timer = setTimeout(() => {
        kept().then((hit) => { if (hit && !done) { done = true; resolve(hit); } });
      }, NAVIGATION_WAIT_MS);
      fetch(req).then((res) => {
        clearTimeout(timer);
        if (!done) { done = true; resolve(res); }
      }, () => {
        clearTimeout(timer);
        kept().then((hit) => { if (!done) { done = true; resolve(hit || Response.error()); } });
      });
    }));
    return;
  }
  // The app's files from the cache — this version's, or a newer one's waiting to take over (a
  // page loaded from the network may already name its files) — else from the network.
  if (isShellPath(url) || /^\/app-[0-9a-f]{16}\//.test(url.pathname)) {
    event.respondWith(caches.match(req, { ignoreVary: true })
      .then((hit) => hit || fetch(req)));
  }
});
