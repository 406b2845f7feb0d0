/* Every resident page: the service worker that keeps the forms working offline. */
if ("serviceWorker" in navigator) {
  addEventListener("load", function () { navigator.serviceWorker.register("/sw.js"); });
}
