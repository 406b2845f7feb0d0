/* Refreshes the operator's queue every 5 s without reloading (the same filters). */
(function () {
  "use strict";
  var f = document.getElementById("filters"), live = document.getElementById("live");
  function poll() {
    if (document.hidden) return setTimeout(poll, 5000);
    fetch("/operator/data", { method: "POST", body: new FormData(f), credentials: "same-origin" })
      .then(function (r) { if (r.redirected) location.reload(); else if (r.ok) return r.text(); })
      .then(function (html) { if (html) live.innerHTML = html; })
      .catch(function () {})
      .then(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 5000);
  f.addEventListener("change", function () { f.requestSubmit(); });
})();
