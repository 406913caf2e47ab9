// The only hand-written script: behaviour the CSP keeps out of inline attributes.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});
