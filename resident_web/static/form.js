/* Loket Desa form: checks as you type (the server checks again), and the offline
   request QR when there is no signal (docs/DESIGN.md, kind 2: LD1O: + base45(zlib(JSON))). */
(function () {
  "use strict";
  var f = document.getElementById("req");
  if (!f) return;
  var en = document.documentElement.lang === "en", touched = {};
  var M = {
    req: ["Wajib diisi.", "Required."],
    nikd: ["NIK hanya boleh berisi angka.", "The NIK has digits only."],
    nikl: ["NIK harus 16 angka (yang diisi %n angka).", "The NIK has 16 digits (%n given)."],
    nikt: ["Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid. Untuk perempuan, tanggal lahir ditambah 40.",
      "The birth date in the NIK (digits 7-12) is not valid. For women the day is plus 40."],
    niks: ["Nomor urut pada NIK (4 angka terakhir) tidak boleh 0000.", "The last 4 digits cannot be 0000."],
    date: ["Tanggal tidak valid (contoh 2024-08-17).", "Not a valid date (e.g. 2024-08-17)."],
    fut: ["Tanggal tidak boleh di masa depan.", "The date cannot be in the future."],
    num: ["Harus berupa angka.", "Numbers only."],
    tel: ["Nomor HP tidak valid (contoh 081234567890).", "Not a valid phone number (e.g. 081234567890)."],
    name: ["Nama hanya boleh berisi huruf, spasi, titik, koma, dan tanda '.", "Letters, spaces, dots, commas and ' only."],
    tgl: ["Tanggal lahir tidak sama dengan tanggal lahir pada NIK. Periksa lagi keduanya.", "The birth date differs from the one in the NIK."],
    jk: ["Jenis kelamin tidak sesuai dengan NIK (untuk perempuan tanggal lahir pada NIK ditambah 40).", "The sex does not match the NIK."],
    big: ["Isian terlalu panjang untuk satu kode QR. Persingkat keterangan, atau isi di anjungan.", "Too much text for one QR code. Shorten it, or fill it in at the kiosk."],
    off: ["Tidak ada sinyal. Isi formulir, lalu tekan tombol di bawah untuk membuat QR permohonan.", "No signal. Fill in the form, then make a request QR with the button below."]
  };
  function m(k, n) { return M[k][en ? 1 : 0].replace("%n", n); }
  function p2(n) { return (n < 10 ? "0" : "") + n; }
  function today() { var d = new Date(); return d.getFullYear() + "-" + p2(d.getMonth() + 1) + "-" + p2(d.getDate()); }
  function nik(v) {
    v = v.replace(/[\s.-]/g, "");
    if (!/^\d+$/.test(v)) return { e: m("nikd") };
    if (v.length !== 16) return { e: m("nikl", v.length) };
    var d = +v.slice(6, 8), mo = +v.slice(8, 10), y = 2000 + +v.slice(10, 12), w = d > 40;
    if (w) d -= 40;
    if (y + "-" + p2(mo) + "-" + p2(d) > today()) y -= 100;
    var dt = new Date(y, mo - 1, d);
    if (dt.getDate() !== d || dt.getMonth() !== mo - 1) return { e: m("nikt") };
    if (v.slice(12) === "0000") return { e: m("niks") };
    return { b: y + "-" + p2(mo) + "-" + p2(d), s: w ? "Perempuan" : "Laki-laki" };
  }
  function el(n) { return f.elements[n]; }
  function applicant() { var a = el("applicant_nik"); return a && a.value ? nik(a.value) : {}; }
  function check(x) {
    var v = x.value.trim(), t = x.dataset.t, e = "", i;
    if (!v) { if (x.required) e = m("req"); }
    else if (t === "nik") e = nik(v).e || "";
    else if (t === "date") {
      if (!/^\d{4}-\d\d-\d\d$/.test(v) || isNaN(Date.parse(v))) e = m("date");
      else if (x.dataset.when === "past" && v > today()) e = m("fut");
      else if (x.name === "form_data.tanggal_lahir" && (i = applicant()).b && i.b !== v) e = m("tgl");
    }
    else if (t === "number") { if (!/^[\d.]+$/.test(v)) e = m("num"); }
    else if (t === "phone") { if (!/^(\+62|62|0)8\d{7,12}$/.test(v.replace(/[\s-]/g, ""))) e = m("tel"); }
    else if (t === "name") { if (!/^[^\d_!?@#$%^&*()=+<>\/\\;:"\[\]{}|~]+$/.test(v)) e = m("name"); }
    else if (x.name === "form_data.jenis_kelamin" && (i = applicant()).s && i.s !== v) e = m("jk");
    var out = document.getElementById("e-" + x.id.slice(2));
    if (out) out.textContent = e;
    if (e) x.setAttribute("aria-invalid", "true"); else x.removeAttribute("aria-invalid");
    return !e;
  }
  function fields() { return Array.prototype.filter.call(f.elements, function (x) { return x.dataset && x.dataset.t; }); }
  function all() {
    var first = null;
    fields().forEach(function (x) { if (!check(x) && !first) first = x; });
    if (first) first.focus();
    return !first;
  }
  f.addEventListener("focusout", function (ev) { var x = ev.target; if (x.dataset && x.dataset.t) { touched[x.name] = 1; check(x); } });
  f.addEventListener("input", function (ev) {
    var x = ev.target;
    if (touched[x.name]) check(x);
    if (x.name === "applicant_nik") ["form_data.tanggal_lahir", "form_data.jenis_kelamin"].forEach(function (n) { if (touched[n]) check(el(n)); });
  });
  f.addEventListener("submit", function (ev) {
    if (!all()) { ev.preventDefault(); return; }
    if (!navigator.onLine) { ev.preventDefault(); offline(); }
  });

  var btn = document.getElementById("offline-btn"), out = document.getElementById("offline-out");
  btn.hidden = false;
  btn.addEventListener("click", function () { if (all()) offline(); });

  function loadQr() {
    if (window.LDQR) return Promise.resolve();
    return new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = document.querySelector("script[data-qr]").dataset.qr;
      s.onload = ok; s.onerror = fail;
      document.head.appendChild(s);
    });
  }
  function deflate(bytes) {
    var s = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
    return new Response(s).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  function esc(t) { var d = document.createElement("div"); d.textContent = t; return d.innerHTML; }
  function offline() {
    var data = {}, rows = "";
    fields().forEach(function (x) {
      var v = x.value.trim();
      if (x.name.indexOf("form_data.") === 0 && v) {
        data[x.name.slice(10)] = v;
        rows += "<dt>" + esc(f.querySelector("label[for='" + x.id + "']").firstChild.textContent) + "</dt><dd>" + esc(v) + "</dd>";
      }
    });
    var key = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(8)), function (b) { return p2(b.toString(16)).slice(-2); }).join("");
    var body = { v: 1, k: key, t: f.dataset.type, n: el("applicant_nik").value.replace(/[\s.-]/g, ""), m: el("applicant_name").value.trim().replace(/\s+/g, " "), p: null, f: data };
    if (el("short")) body.s = 1; // a short form: the kiosk's server matches it to the register
    Promise.all([loadQr(), deflate(new TextEncoder().encode(JSON.stringify(body)))]).then(function (r) {
      var text = window.LDQR.base45(r[1]);
      if (text.length > 1200) { out.hidden = false; out.innerHTML = '<p class="box bad">' + esc(m("big")) + "</p>"; return; }
      var c = document.createElement("canvas");
      window.LDQR.draw(c, window.LDQR.encode("LD1O:" + text), 6);
      c.className = "qr"; c.id = "offline-qr";
      out.innerHTML = '<div class="box" role="status"><strong>' + (en ? "Request QR (offline)" : "QR permohonan (offline)") + "</strong><br>" +
        (en ? "Show this QR code at the village office kiosk. The kiosk will file your request." : "Tunjukkan kode QR ini di anjungan kantor desa. Anjungan akan mengirim permohonan Anda.") +
        '</div><div class="card" id="qrbox"></div><a class="btn block" download="loket-desa-permohonan.png" href="' + c.toDataURL("image/png") + '">' +
        (en ? "Save the QR as an image" : "Simpan QR sebagai gambar") + '</a><div class="card"><dl><dt>NIK</dt><dd>' + esc(body.n) + "</dd><dt>" +
        (en ? "Name" : "Nama") + "</dt><dd>" + esc(body.m) + "</dd>" + rows + '</dl></div><button class="alt block" type="button" id="offline-edit">' + (en ? "Edit" : "Ubah") + "</button>";
      document.getElementById("qrbox").appendChild(c);
      out.hidden = false; f.hidden = true; scrollTo(0, 0);
      document.getElementById("offline-edit").onclick = function () { out.hidden = true; f.hidden = false; };
    });
  }
  function net() {
    var b = document.getElementById("net");
    if (!navigator.onLine && !b) {
      b = document.createElement("p"); b.id = "net"; b.className = "box bad"; b.textContent = m("off");
      f.parentNode.insertBefore(b, f);
    } else if (navigator.onLine && b) b.remove();
  }
  addEventListener("online", net); addEventListener("offline", net); net();
})();
