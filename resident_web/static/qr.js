/* Loket Desa: a small QR encoder (alphanumeric mode, error correction M, versions 1-40)
   and base45, for the offline request QR (docs/DESIGN.md, kind 2); byte mode for the hub's
   pickup QR. Loaded only when needed.
   Follows ISO/IEC 18004 as laid out in Project Nayuki's reference implementation. */
(function (W) {
  "use strict";
  var A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  // Level M: EC codewords per block and number of blocks, index = version.
  var ECC = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28];
  var BLK = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];

  function b45(bytes) {
    var s = "", i, x;
    for (i = 0; i + 1 < bytes.length; i += 2) {
      x = bytes[i] * 256 + bytes[i + 1];
      s += A[x % 45] + A[Math.floor(x / 45) % 45] + A[Math.floor(x / 2025)];
    }
    if (i < bytes.length) { x = bytes[i]; s += A[x % 45] + A[Math.floor(x / 45)]; }
    return s;
  }

  function rawModules(v) {
    var r = (16 * v + 128) * v + 64;
    if (v >= 2) { var n = Math.floor(v / 7) + 2; r -= (25 * n - 10) * n - 55; if (v >= 7) r -= 36; }
    return r;
  }
  function dataCw(v) { return Math.floor(rawModules(v) / 8) - ECC[v] * BLK[v]; }

  function mul(x, y) {
    var z = 0;
    for (var i = 7; i >= 0; i--) { z = (z << 1) ^ ((z >>> 7) * 0x11d); z ^= ((y >>> i) & 1) * x; }
    return z;
  }
  function rsDivisor(d) {
    var r = [], i, j, root = 1;
    for (i = 0; i < d - 1; i++) r.push(0);
    r.push(1);
    for (i = 0; i < d; i++) {
      for (j = 0; j < d; j++) { r[j] = mul(r[j], root); if (j + 1 < d) r[j] ^= r[j + 1]; }
      root = mul(root, 2);
    }
    return r;
  }
  function rsRem(data, div) {
    var r = div.map(function () { return 0; });
    data.forEach(function (b) {
      var f = b ^ r.shift();
      r.push(0);
      div.forEach(function (c, i) { r[i] ^= mul(c, f); });
    });
    return r;
  }

  function encode(text) {
    text = text.toUpperCase();
    var v, bits = [], i;
    function put(val, len) { for (var k = len - 1; k >= 0; k--) bits.push((val >>> k) & 1); }
    // Byte mode for what alphanumeric cannot hold (the pickup QR's "#").
    var bytes = /^[0-9A-Z $%*+\-.\/:]*$/.test(text) ? null : new TextEncoder().encode(text);
    for (v = 1; v <= 40; v++) {
      var cc = bytes ? (v < 10 ? 8 : 16) : v < 10 ? 9 : v < 27 ? 11 : 13;
      var need = bytes ? bytes.length * 8 : Math.floor(text.length / 2) * 11 + (text.length % 2) * 6;
      if (4 + cc + need <= dataCw(v) * 8) break;
    }
    if (v > 40) throw new Error("too long");
    if (bytes) { put(4, 4); put(bytes.length, cc); bytes.forEach(function (b) { put(b, 8); }); }
    else {
      put(2, 4); put(text.length, cc);
      for (i = 0; i + 1 < text.length; i += 2) put(A.indexOf(text[i]) * 45 + A.indexOf(text[i + 1]), 11);
      if (i < text.length) put(A.indexOf(text[i]), 6);
    }
    var cap = dataCw(v) * 8;
    put(0, Math.min(4, cap - bits.length));
    put(0, (8 - bits.length % 8) % 8);
    for (var pad = 0xec; bits.length < cap; pad ^= 0xec ^ 0x11) put(pad, 8);
    var data = [];
    for (i = 0; i < bits.length; i += 8) data.push(parseInt(bits.slice(i, i + 8).join(""), 2));

    // Split into blocks, add error correction, interleave.
    var nb = BLK[v], el = ECC[v], raw = Math.floor(rawModules(v) / 8);
    var nShort = nb - raw % nb, shortLen = Math.floor(raw / nb), div = rsDivisor(el);
    var blocks = [], k = 0;
    for (i = 0; i < nb; i++) {
      var d = data.slice(k, k + shortLen - el + (i < nShort ? 0 : 1));
      k += d.length;
      var ecc = rsRem(d, div);
      if (i < nShort) d.push(0);
      blocks.push(d.concat(ecc));
    }
    var cw = [];
    for (i = 0; i < blocks[0].length; i++)
      for (var j = 0; j < nb; j++)
        if (i !== shortLen - el || j >= nShort) cw.push(blocks[j][i]);

    var size = v * 4 + 17, mod = [], fn = [], y, x;
    for (y = 0; y < size; y++) { mod.push(new Array(size).fill(false)); fn.push(new Array(size).fill(false)); }
    function setF(x, y, dark) { mod[y][x] = dark; fn[y][x] = true; }
    for (i = 0; i < size; i++) { setF(6, i, i % 2 === 0); setF(i, 6, i % 2 === 0); }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) for (var dx = -4; dx <= 4; dx++) {
        var xx = c[0] + dx, yy = c[1] + dy, dist = Math.max(Math.abs(dx), Math.abs(dy));
        if (xx >= 0 && xx < size && yy >= 0 && yy < size) setF(xx, yy, dist !== 2 && dist !== 4);
      }
    });
    var al = [];
    if (v > 1) {
      var na = Math.floor(v / 7) + 2, step = v === 32 ? 26 : Math.ceil((v * 4 + 4) / (na * 2 - 2)) * 2;
      al = [6];
      for (var pos = size - 7; al.length < na; pos -= step) al.splice(1, 0, pos);
    }
    al.forEach(function (ax, ai) {
      al.forEach(function (ay, aj) {
        if ((ai === 0 && aj === 0) || (ai === 0 && aj === al.length - 1) || (ai === al.length - 1 && aj === 0)) return;
        for (var dy = -2; dy <= 2; dy++) for (var dx = -2; dx <= 2; dx++)
          setF(ax + dx, ay + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      });
    });
    function format(mask) {
      var dat = mask, rem = dat; // level M = 00
      for (var q = 0; q < 10; q++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
      var b = ((dat << 10) | rem) ^ 0x5412;
      function g(n) { return ((b >>> n) & 1) === 1; }
      for (q = 0; q <= 5; q++) setF(8, q, g(q));
      setF(8, 7, g(6)); setF(8, 8, g(7)); setF(7, 8, g(8));
      for (q = 9; q < 15; q++) setF(14 - q, 8, g(q));
      for (q = 0; q < 8; q++) setF(size - 1 - q, 8, g(q));
      for (q = 8; q < 15; q++) setF(8, size - 15 + q, g(q));
      setF(8, size - 8, true);
    }
    format(0);
    if (v >= 7) {
      var rem = v;
      for (i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
      var vb = (v << 12) | rem;
      for (i = 0; i < 18; i++) {
        var bit = ((vb >>> i) & 1) === 1, a = size - 11 + i % 3, b2 = Math.floor(i / 3);
        setF(a, b2, bit); setF(b2, a, bit);
      }
    }
    // Codewords in the zigzag order.
    i = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (var vert = 0; vert < size; vert++) for (j = 0; j < 2; j++) {
        x = right - j;
        y = ((right + 1) & 2) === 0 ? size - 1 - vert : vert;
        if (!fn[y][x] && i < cw.length * 8) { mod[y][x] = ((cw[i >>> 3] >>> (7 - (i & 7))) & 1) === 1; i++; }
      }
    }
    var MASKS = [
      function (x, y) { return (x + y) % 2 === 0; },
      function (x, y) { return y % 2 === 0; },
      function (x) { return x % 3 === 0; },
      function (x, y) { return (x + y) % 3 === 0; },
      function (x, y) { return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0; },
      function (x, y) { return x * y % 2 + x * y % 3 === 0; },
      function (x, y) { return (x * y % 2 + x * y % 3) % 2 === 0; },
      function (x, y) { return ((x + y) % 2 + x * y % 3) % 2 === 0; }
    ];
    function applyMask(m) {
      for (var yy = 0; yy < size; yy++) for (var xx = 0; xx < size; xx++)
        if (!fn[yy][xx] && MASKS[m](xx, yy)) mod[yy][xx] = !mod[yy][xx];
    }
    // A simplified penalty (runs, 2x2 blocks, balance) picks a mask a camera reads well.
    function penalty() {
      var p = 0, dark = 0, yy, xx;
      for (yy = 0; yy < size; yy++) {
        var rr = 1, rc = 1;
        for (xx = 0; xx < size; xx++) {
          if (mod[yy][xx]) dark++;
          if (xx > 0) {
            if (mod[yy][xx] === mod[yy][xx - 1]) { rr++; if (rr === 5) p += 3; else if (rr > 5) p++; } else rr = 1;
            if (mod[xx][yy] === mod[xx - 1][yy]) { rc++; if (rc === 5) p += 3; else if (rc > 5) p++; } else rc = 1;
          }
          if (xx > 0 && yy > 0 && mod[yy][xx] === mod[yy][xx - 1] && mod[yy][xx] === mod[yy - 1][xx] && mod[yy][xx] === mod[yy - 1][xx - 1]) p += 3;
        }
      }
      return p + Math.floor(Math.abs(dark * 20 - size * size * 10) / (size * size)) * 10;
    }
    var best = 0, bestP = Infinity;
    for (var m = 0; m < 8; m++) {
      applyMask(m); format(m);
      var pp = penalty();
      if (pp < bestP) { bestP = pp; best = m; }
      applyMask(m);
    }
    applyMask(best); format(best);
    return { size: size, version: v, dark: function (x, y) { return mod[y][x]; } };
  }

  function draw(canvas, qr, scale) {
    var border = 4, n = qr.size + border * 2, ctx = canvas.getContext("2d");
    canvas.width = canvas.height = n * scale;
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, n * scale, n * scale);
    ctx.fillStyle = "#000";
    for (var y = 0; y < qr.size; y++) for (var x = 0; x < qr.size; x++)
      if (qr.dark(x, y)) ctx.fillRect((x + border) * scale, (y + border) * scale, scale, scale);
  }

  W.LDQR = { encode: encode, draw: draw, base45: b45 };
})(window);
