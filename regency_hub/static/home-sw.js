/* Loket Desa at the regency hub: one village's pages offline (scope /<kode-desa>/).
   Pages: network first (a 4 s wait at most), else the cache; the status page of any code
   falls back to the village's status page. Versioned assets (/static/...?v=hash): cache
   first. Filing and status calls (POST) always go to the network. */
"use strict";
var CACHE = "loket-hub-__VERSION__", BASE = __BASE__, PRECACHE = __PRECACHE__;
self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("loket-hub-" + BASE.slice(1) + "-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
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
      var path = url.pathname.indexOf(BASE + "/S/") === 0 ? BASE + "/status" : url.pathname;
      caches.match(path, { ignoreSearch: true }).then(function (hit) {
        resolve(hit || caches.match(BASE + "/").then(function (o) { return o || Response.error(); }));
      });
    }
    var timer = setTimeout(fallback, 4000);
    fetch(req).then(function (res) {
      clearTimeout(timer);
      if (res.ok && PRECACHE.indexOf(url.pathname) >= 0) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); }); }
      if (!done) { done = true; resolve(res); }
    }, function () { clearTimeout(timer); fallback(); });
  }));
});
