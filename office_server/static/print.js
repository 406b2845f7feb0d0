// The counter receipt's print button (no inline handlers: the CSP allows our files only).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-receipt");
  if (button) button.addEventListener("click", () => window.print());
});
