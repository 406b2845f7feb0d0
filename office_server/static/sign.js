/* The signer's list: the header checkbox ticks or clears every row. */
(function () {
  "use strict";
  var all = document.getElementById("pick-all");
  if (!all) return;
  all.addEventListener("click", function () {
    document.querySelectorAll("input[name=ids]").forEach(function (c) { c.checked = all.checked; });
  });
})();
