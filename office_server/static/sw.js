/* Loket Desa service worker: the catalog, the forms and their assets work offline.
   Pages: network first (fresh when there is signal, a 4 s wait at most), else the cache.
   Versioned assets (/static/...?v=hash): cache first. */
"use strict";
var CACHE = "loket-__VERSION__", PRECACHE = __PRECACHE__;
self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
function cacheable(url) {
  return url.origin === location.origin && PRECACHE.indexOf(url.pathname + url.search) >= 0;
}
self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  if (req.mode !== "navigate") return;
  e.respondWith(new Promise(function (resolve) {
    var done = false;
    function fallback() {
      if (done) return; done = true;
      caches.match(url.pathname, { ignoreSearch: true }).then(function (hit) {
        resolve(hit || caches.match("/offline").then(function (o) { return o || Response.error(); }));
      });
    }
    var timer = setTimeout(fallback, 4000);
    fetch(req).then(function (res) {
      clearTimeout(timer);
      if (res.ok && cacheable(url)) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); }); }
      if (!done) { done = true; resolve(res); }
    }, function () { clearTimeout(timer); fallback(); });
  }));
});
