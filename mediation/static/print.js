// The print button of a printable document (no inline handler: the Content-Security-Policy
// allows scripts from this site's files only, docs/security.md "Headers").
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-button");
  if (button) {
    button.addEventListener("click", () => window.print());
  }
});
