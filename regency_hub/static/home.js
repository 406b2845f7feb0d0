/* Loket Desa at the regency hub: the resident files from home, sealed to the village.
   The form's values are sealed here with WebCrypto (ECDH P-256 + HKDF-SHA256 + AES-256-GCM,
   loket_protocol/sealed.py); the hub gets the box and the pickup secret's SHA-256 only.
   The secret stays on the phone: in the result page's URL fragment and the pickup QR.
   Offline, form.js makes the offline-request QR; this keeps the form and files it,
   sealed, as soon as the phone is back online. */
(function () {
  "use strict";
  var body = document.body, base = body.dataset.base, S = crypto.subtle, store = window.localStorage;
  if (!base) return;
  if (body.dataset.sw && "serviceWorker" in navigator) navigator.serviceWorker.register(body.dataset.sw, { scope: base + "/" });
  var LABEL = "loket-desa/sealed-request/v1", PENDING = "ld:" + base + ":pending", SECRET_RE = /^[A-Z2-7]{26}$/;

  function enc(t) { return new TextEncoder().encode(t); }
  function b64u(buf) {
    var s = "", a = new Uint8Array(buf);
    for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64u(t) {
    var s = atob(t.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((t.length + 3) % 4)), a = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }
  function hex(buf) { return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join(""); }
  function sha256(text) { return S.digest("SHA-256", enc(text)).then(hex); }
  function newSecret() {  // 128 bits as 26 base32 characters, as office_server/security.new_secret
    var A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bytes = crypto.getRandomValues(new Uint8Array(16)), bits = 0, n = 0, out = "";
    for (var i = 0; i < bytes.length; i++) {
      n = (n << 8) | bytes[i]; bits += 8;
      while (bits >= 5) { out += A[(n >>> (bits - 5)) & 31]; bits -= 5; }
    }
    return out + A[(n << (5 - bits)) & 31];
  }
  function load(k) { try { return JSON.parse(store.getItem(k) || "null"); } catch (e) { return null; } }
  function save(k, v) { try { store.setItem(k, JSON.stringify(v)); } catch (e) { /* storage full or off */ } }

  /* The box: one WebCrypto call per step of loket_protocol/sealed.py. */
  async function seal(plain, key, kode, requestId) {
    var village = unb64u(key.key);
    var pub = await S.importKey("raw", village, { name: "ECDH", namedCurve: "P-256" }, false, []);
    var eph = await S.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    var epk = new Uint8Array(await S.exportKey("raw", eph.publicKey));
    var shared = await S.deriveBits({ name: "ECDH", public: pub }, eph.privateKey, 256);
    var salt = new Uint8Array(epk.length + village.length);
    salt.set(epk); salt.set(village, epk.length);
    var ikm = await S.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
    var aes = await S.deriveKey({ name: "HKDF", hash: "SHA-256", salt: salt, info: enc(LABEL + "/" + kode) }, ikm,
      { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var ct = await S.encrypt({ name: "AES-GCM", iv: iv, additionalData: enc(LABEL + "|" + kode + "|" + requestId) }, aes, enc(JSON.stringify(plain)));
    return { v: 1, alg: "ECDH-P256+HKDF-SHA256+A256GCM", kid: key.kid, epk: b64u(epk), iv: b64u(iv), ct: b64u(ct) };
  }
  window.LDSEAL = seal;  // for the benchmark's timing in the browser

  async function post(path, data) {
    var r = await fetch(base + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data), credentials: "omit" });
    var j = await r.json().catch(function () { return {}; });
    if (!r.ok) {
      var e = new Error((j.error && j.error.message) || "Permohonan belum terkirim. Coba lagi.");
      e.status = r.status;
      throw e;
    }
    return j;
  }

  /* A filing: {type, title, values, kode, key, rid, secret, purpose}. Same rid on retry: same code. */
  async function file(job) {
    var secretHash = await sha256(job.secret), v = job.values;
    var plain = { request_id: job.rid, letter_type: job.type, applicant_nik: v.applicant_nik, applicant_name: v.applicant_name,
      form_data: v.form_data, phone: null, secret_hash: secretHash };
    var box = await seal(plain, job.key, job.kode, job.rid);
    var j = await post("/api/permohonan", { request_id: job.rid, letter_type: job.type, secret_hash: secretHash, purpose: job.purpose || "new", box: box });
    save("ld:" + base + ":req:" + j.code, { type: job.type, title: job.title, rid: job.rid, values: job.values });
    store.removeItem(PENDING);
    store.removeItem("ld:" + base + ":draft:" + job.type);
    location.assign(base + "/hasil/" + j.code + "#" + job.secret);
  }

  function flushPending() {
    var job = load(PENDING);
    if (job && navigator.onLine) file(job).catch(function (e) {
      // Refused for good (not "busy", not "try later"): kept only as the draft.
      if (e.status && e.status < 500 && e.status !== 429) store.removeItem(PENDING);
    });
  }
  addEventListener("online", flushPending);
  flushPending();

  var f = document.getElementById("req");
  if (f && f.dataset.kode) formPage(f);
  var pickup = document.getElementById("pickup");
  if (pickup) resultPage(pickup);
  var lookup = document.getElementById("lookup");
  if (lookup) statusPage(lookup);

  function formPage(f) {
    var type = f.dataset.type, draftKey = "ld:" + base + ":draft:" + type, d = f.dataset;
    var params = new URLSearchParams(location.search), fixCode = params.get("perbaiki"), fix = null;
    var fields = Array.prototype.filter.call(f.elements, function (x) { return x.name; });
    function values() {
      var v = { applicant_nik: "", applicant_name: "", form_data: {} };
      fields.forEach(function (x) {
        var t = x.value.trim();
        if (x.name === "applicant_nik") v.applicant_nik = t.replace(/[\s.-]/g, "");
        else if (x.name === "applicant_name") v.applicant_name = t.replace(/\s+/g, " ");
        else if (x.name.indexOf("form_data.") === 0 && t) v.form_data[x.name.slice(10)] = t;
      });
      return v;
    }
    function fill(v) {
      fields.forEach(function (x) {
        var t = x.name === "applicant_nik" || x.name === "applicant_name" ? v[x.name] : (v.form_data || {})[x.name.slice(10)];
        if (t && !x.value) x.value = t;
      });
    }
    function job(purpose) {
      return { type: type, title: d.title, values: values(), kode: d.kode, key: { kid: d.kid, key: d.key },
        rid: fix ? fix.rid : crypto.randomUUID(), secret: fix ? fix.secret : newSecret(), purpose: purpose };
    }
    if (d.key) f.querySelector("button[type=submit]").disabled = false;  // without us, nothing is sent
    var draft = load(draftKey);
    if (draft) fill(draft);
    f.addEventListener("input", function () { save(draftKey, values()); });
    if (fixCode) correction(fixCode.toUpperCase(), location.hash.slice(1).toUpperCase());

    function valid() { return !f.querySelector("[aria-invalid=true]"); }
    function pend() {
      if (!valid() || !d.key) return;
      save(PENDING, job(fix ? "correction" : "new"));
      document.getElementById("pending-note").hidden = false;
    }
    f.addEventListener("submit", function (ev) {
      if (!navigator.onLine) { pend(); return; }
      if (ev.defaultPrevented || !d.key) { ev.preventDefault(); return; }
      ev.preventDefault();
      review();
    });
    document.getElementById("offline-btn").addEventListener("click", function () { if (!navigator.onLine) pend(); });
    var rv = document.getElementById("review"), list = document.getElementById("review-list"), err = document.getElementById("send-error");
    function row(label, value) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label; dd.textContent = value; list.appendChild(dt); list.appendChild(dd);
    }
    function review() {
      list.textContent = "";
      fields.forEach(function (x) {
        var lab = f.querySelector("label[for='" + x.id + "']");
        if (x.value.trim() && lab) row(lab.firstChild.textContent.trim(), x.value.trim());
      });
      err.hidden = true; f.hidden = true; rv.hidden = false; scrollTo(0, 0);
    }
    document.getElementById("edit").onclick = function () { rv.hidden = true; f.hidden = false; };
    var send = document.getElementById("send");
    send.onclick = function () {
      send.disabled = true;
      var j = job(fix ? "correction" : "new");
      save(PENDING, j);  // a lost answer is filed again with the same request id
      file(j).catch(function (e) {
        send.disabled = false; err.textContent = navigator.onLine ? e.message : "Tidak ada sinyal. Permohonan dikirim otomatis begitu HP tersambung."; err.hidden = false;
      });
    };
    async function correction(code, secret) {
      if (!SECRET_RE.test(secret)) return;
      var kept = load("ld:" + base + ":req:" + code), note = document.getElementById("fix-note");
      try {
        var st = await post("/api/status", { code: code, secret_hash: await sha256(secret) });
        fix = { rid: st.request_id, secret: secret };
        document.getElementById("send").textContent = "Kirim perbaikan";
        if (kept) fill(kept.values);
        note.textContent = "Perbaiki isian berikut lalu kirim lagi: " + st.problems.map(function (p) { return p.message; }).join(" ");
        note.hidden = false;
        st.problems.forEach(function (p) {
          var e = document.getElementById("e-" + p.field.replace(/^form_data\./, ""));
          if (e) e.textContent = p.message;
        });
      } catch (e) { note.textContent = e.message; note.hidden = false; }
    }
  }

  function loadQr(src) {
    if (window.LDQR) return Promise.resolve();
    return new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = src; s.onload = ok; s.onerror = fail;
      document.head.appendChild(s);
    });
  }
  function resultPage(p) {
    var secret = location.hash.slice(1).toUpperCase(), code = p.dataset.code, kept = load("ld:" + base + ":req:" + code);
    if (!SECRET_RE.test(secret)) return;
    document.getElementById("secret").textContent = secret.match(/.{1,4}/g).join(" ");
    document.getElementById("status-link").href += "#" + secret;
    if (kept) document.getElementById("type-title").textContent = "— " + kept.title;
    loadQr(p.dataset.qr).then(function () {
      var c = document.createElement("canvas");
      window.LDQR.draw(c, window.LDQR.encode(p.dataset.url + "/S/" + code + "#" + secret), 6);
      c.className = "qr"; c.id = "pickup-qr";
      document.getElementById("qr").appendChild(c);
      var a = document.getElementById("save-qr");
      a.href = c.toDataURL("image/png"); a.hidden = false;
    });
  }

  function statusPage(form) {
    var live = document.getElementById("live"), out = document.getElementById("lookup-error");
    function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
    async function show(code, secret) {
      try {
        var j = await post("/api/status", { code: code, secret_hash: await sha256(secret) });
        var dl = el("dl"), pill = el("span", "pill " + j.status, j.status_label), dd = el("dd");
        pill.id = "status-label"; dd.appendChild(pill);
        [["Kode permohonan", el("dd", "code", j.code)], ["Jenis surat", el("dd", null, j.letter_type_title)], ["Status", dd]].forEach(function (r) {
          dl.appendChild(el("dt", null, r[0])); dl.appendChild(r[1]);
        });
        var card = el("div", "card"); card.appendChild(dl);
        live.textContent = ""; live.appendChild(card);
        if (j.status === "ready") live.appendChild(el("p", "box", "Surat Anda siap. Datang ke kantor desa dan pindai QR di anjungan."));
        if (j.status === "sent") live.appendChild(el("p", "box", "Permohonan menunggu diterima kantor desa. Halaman ini diperbarui saat Anda membukanya lagi."));
        if (j.status === "needs_correction") {
          var box = el("div", "box bad");
          box.appendChild(el("b", null, "Yang perlu diperbaiki:"));
          var ul = el("ul");
          j.problems.forEach(function (p) { ul.appendChild(el("li", null, p.message)); });
          box.appendChild(ul); live.appendChild(box);
          if (j.problems.length) {
            var a = el("a", "btn block", "Perbaiki isian");
            a.id = "fix"; a.href = base + "/surat/" + encodeURIComponent(j.letter_type) + "?perbaiki=" + j.code + "#" + secret;
            live.appendChild(a);
          }
        }
        live.hidden = false; form.hidden = true;
      } catch (e) { out.textContent = navigator.onLine ? e.message : "Tidak ada sinyal. Coba lagi saat HP tersambung."; form.hidden = false; }
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var code = form.code.value.replace(/[\s-]/g, "").toUpperCase(), secret = form.secret.value.replace(/[\s-]/g, "").toUpperCase();
      if (!/^[0-9A-Z]{6,12}$/.test(code) || !SECRET_RE.test(secret)) { out.textContent = "Periksa kode permohonan dan kode rahasia."; return; }
      history.replaceState(null, "", base + "/S/" + code + "#" + secret);
      show(code, secret);
    });
    var secret = location.hash.slice(1).toUpperCase(), m = location.pathname.match(/\/S\/([0-9A-Za-z]{6,12})$/);
    if (m && !form.code.value) form.code.value = m[1].toUpperCase();  // the status page from the cache
    if (form.code.value && SECRET_RE.test(secret)) { form.hidden = true; show(form.code.value, secret); }
  }
})();
