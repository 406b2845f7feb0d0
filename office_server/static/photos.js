/* Loket Desa: photos of the required documents, sent after filing (result and status pages).
   Each photo is shrunk in the browser (canvas -> JPEG, long side 1600 px, quality stepped
   down until it is at most 200 KB) and sent on its own with an idempotent PUT under a key
   chosen here: when the signal drops mid-photo, the same photo goes again under the same
   key and the server keeps it once. No upload library; XHR for its upload progress. */
(function () {
  "use strict";
  var box = document.getElementById("docs");
  if (!box || !window.HTMLCanvasElement) return;
  var en = document.documentElement.lang === "en", code = box.dataset.code, secret = box.dataset.secret;
  var LIMIT = 200000, SIDE = 1600, pending = 0;
  var M = {
    shrink: ["Memperkecil foto...", "Making the photo smaller..."],
    send: ["Mengirim foto... %n%", "Sending the photo... %n%"],
    done: ["Terkirim ✓", "Sent ✓"],
    lost: ["Sinyal terputus. Dicoba lagi dalam %n detik...", "The connection dropped. Trying again in %n s..."],
    off: ["Tidak ada sinyal. Foto dikirim otomatis saat sinyal kembali.", "No signal. The photo is sent when the signal is back."],
    busy: ["Server sibuk. Dicoba lagi dalam %n detik...", "The server is busy. Trying again in %n s..."],
    bad: ["Foto tidak dapat dibaca. Ambil foto lagi.", "The photo cannot be read. Take it again."],
    leave: ["Foto masih dikirim. Tetap di halaman ini sampai selesai.", "Photos are still being sent. Stay on this page until they are done."],
    count: ["%n foto terkirim", "%n photo(s) sent"]
  };
  function m(k, n) { return M[k][en ? 1 : 0].replace("%n", n); }
  function uuid() {
    // crypto.randomUUID needs a secure context; the office LAN is often plain http.
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }
  function decode(file) {
    if (window.createImageBitmap) return createImageBitmap(file, { imageOrientation: "from-image" });
    return new Promise(function (ok, fail) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); ok(img); };
      img.onerror = function () { URL.revokeObjectURL(url); fail(new Error("decode")); };
      img.src = url;
    });
  }
  function toBlob(canvas, q) {
    return new Promise(function (ok) { canvas.toBlob(ok, "image/jpeg", q); });
  }
  // The photo as a JPEG of at most LIMIT bytes: quality down first, then the size.
  function shrink(file) {
    return decode(file).then(function (img) {
      var w = img.width, h = img.height, scale = Math.min(1, SIDE / Math.max(w, h));
      var canvas = document.createElement("canvas"), qs = [0.85, 0.75, 0.65, 0.55, 0.45];
      function at(i) {
        if (i === 0) {
          canvas.width = Math.max(1, Math.round(w * scale)); canvas.height = Math.max(1, Math.round(h * scale));
          var g = canvas.getContext("2d");
          g.fillStyle = "#fff"; g.fillRect(0, 0, canvas.width, canvas.height);
          g.drawImage(img, 0, 0, canvas.width, canvas.height);
        }
        return toBlob(canvas, qs[i]).then(function (blob) {
          if (blob && blob.size <= LIMIT) return { blob: blob, canvas: canvas };
          if (i + 1 < qs.length) return at(i + 1);
          scale *= 0.75;
          return at(0);
        });
      }
      return at(0);
    });
  }
  function preview(canvas) {
    var c = document.createElement("canvas"), s = 72 / Math.max(canvas.width, canvas.height);
    c.width = Math.round(canvas.width * s); c.height = Math.round(canvas.height * s);
    c.getContext("2d").drawImage(canvas, 0, 0, c.width, c.height);
    return c;
  }
  function row(list) {
    var li = document.createElement("li"), info = document.createElement("div");
    var bar = document.createElement("progress"), text = document.createElement("p");
    bar.max = 100; bar.value = 0; text.className = "small"; text.setAttribute("role", "status");
    info.appendChild(bar); info.appendChild(text); li.appendChild(info);
    list.appendChild(li);
    return { li: li, bar: bar, text: text, say: function (t, cls) { text.textContent = t; li.className = cls || ""; } };
  }
  function count(kind, by) {
    var c = kind.querySelector(".sent"), n = +(c.dataset.n || 0) + by;
    c.dataset.n = n; c.textContent = n ? m("count", n) : "";
  }
  function upload(kind, ui, blob, key, attempt) {
    var x = new XMLHttpRequest();
    x.open("PUT", "/api/v1/requests/" + encodeURIComponent(code) + "/documents/" + key + "?jenis=" + kind.dataset.kind);
    x.setRequestHeader("X-Pickup-Secret", secret);
    x.setRequestHeader("Content-Type", "image/jpeg");
    x.timeout = 180000;
    x.upload.onprogress = function (e) {
      if (e.lengthComputable) { ui.bar.value = Math.round(99 * e.loaded / e.total); ui.say(m("send", ui.bar.value)); }
    };
    function again(wait, why) {
      var secs = Math.round(wait / 1000);
      ui.say(navigator.onLine ? m(why, secs) : m("off"), "wait");
      var t = setTimeout(go, wait);
      function go() { removeEventListener("online", go); clearTimeout(t); upload(kind, ui, blob, key, attempt + 1); }
      addEventListener("online", go);
    }
    function backoff() { return Math.min(30000, 2000 * Math.pow(2, Math.min(attempt, 4))); }
    x.onload = function () {
      if (x.status === 200 || x.status === 201) {
        ui.bar.value = 100; ui.say(m("done"), "ok"); pending--; count(kind, 1);
        return;
      }
      if (x.status === 429 || x.status >= 500 || x.status === 400) {
        var after = +(x.getResponseHeader("Retry-After") || 0) * 1000;
        again(Math.max(after, backoff()), "busy");
        return;
      }
      var msg = m("bad");
      try { var j = JSON.parse(x.responseText).error; msg = en ? j.message_en : j.message; } catch (e) { /* not JSON */ }
      ui.say(msg, "bad"); ui.bar.hidden = true; pending--;
    };
    x.onerror = x.ontimeout = function () { again(backoff(), "lost"); };
    ui.bar.value = 0; ui.say(m("send", 0));
    x.send(blob);
  }
  Array.prototype.forEach.call(box.querySelectorAll("li[data-kind]"), function (kind) {
    var input = kind.querySelector("input[type=file]"), list = kind.querySelector("ul");
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) {
        var ui = row(list);
        pending++;
        ui.say(m("shrink"));
        shrink(file).then(function (r) {
          ui.li.insertBefore(preview(r.canvas), ui.li.firstChild);
          ui.li.dataset.bytes = r.blob.size;
          upload(kind, ui, r.blob, uuid(), 0);
        }, function () { ui.say(m("bad"), "bad"); ui.bar.hidden = true; pending--; });
      });
      input.value = "";
    });
  });
  addEventListener("beforeunload", function (e) { if (pending > 0) { e.preventDefault(); e.returnValue = m("leave"); } });
  box.hidden = false;
})();
