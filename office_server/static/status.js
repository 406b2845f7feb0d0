/* The status page opened from the pickup QR: the secret is in the URL fragment, which
   the browser never sends; this reads it and asks the API (the secret in a header).
   The page's words come from data-* attributes of #live, so they follow its language. */
(function () {
  "use strict";
  var s = location.hash.slice(1), f = document.getElementById("lookup"), b = document.getElementById("live");
  // 26 characters (128 bits) since issue 16; tickets from before hold 32.
  if (!f || !b || !/^[A-Za-z2-7]{26}(?:[A-Za-z2-7]{6})?$/.test(s)) return;
  var t = b.dataset, en = document.documentElement.lang === "en";
  f.secret.value = s.toUpperCase(); f.hidden = true; b.hidden = false;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function box(label, text) {
    var p = el("p", "box bad");
    if (label) { p.appendChild(el("b", null, label + ":")); p.appendChild(document.createTextNode(" ")); }
    p.appendChild(document.createTextNode(text == null ? "" : text));
    return p;
  }
  function show(nodes) {
    b.textContent = "";
    nodes.forEach(function (n) { b.appendChild(n); });
  }
  fetch("/api/v1/requests/" + encodeURIComponent(f.code.value) + "/status", { headers: { "X-Pickup-Secret": f.secret.value } })
    .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
    .then(function (x) {
      var j = x[1];
      if (!x[0]) { show([box(null, en ? j.error.message_en : j.error.message)]); f.hidden = false; return; }
      var dl = el("dl"), pill = el("span", "pill " + j.status, j.status_label), dd = el("dd");
      pill.id = "status-label"; dd.appendChild(pill);
      dl.appendChild(el("dt", null, t.code)); dl.appendChild(el("dd", "code", j.code));
      dl.appendChild(el("dt", null, t.type)); dl.appendChild(el("dd", null, j.letter_type_title));
      dl.appendChild(el("dt", null, t.status)); dl.appendChild(dd);
      var nodes = [dl];
      if (j.status === "ready") nodes.push(el("p", "box", t.ready));
      if (j.rejection_reason) nodes.push(box(t.rejected, j.rejection_reason));
      if (j.correction_message) {
        nodes.push(box(t.message, j.correction_message));
        var fix = el("button", "block", t.fix);
        fix.id = "fix"; fix.type = "button";
        fix.addEventListener("click", function () { f.submit(); });
        nodes.push(fix);
      }
      // Photos of the documents are sent from the full status page (POST /status).
      if (["picked_up", "rejected", "cancelled", "expired"].indexOf(j.status) < 0) {
        var photos = el("button", "alt block", t.photos);
        photos.id = "photos"; photos.type = "button";
        photos.addEventListener("click", function () { f.submit(); });
        nodes.push(photos);
      }
      show(nodes);
    })
    .catch(function () { show([box(null, t.offline)]); });
})();
