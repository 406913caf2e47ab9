// The only hand-written script: behaviour the CSP keeps out of inline attributes.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});

// Quick actions › Save submits the section last edited (default: the current view's form).
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[data-section]");
  const save = document.getElementById("quick-save");
  if (form && save) save.setAttribute("form", form.id);
});
document.addEventListener("htmx:afterSwap", (event) => {
  const save = document.getElementById("quick-save");
  const panel = document.getElementById("view-panel");
  // outerHTML swaps report a detached target; only a swap inside the view panel changes the default form.
  if (!save || !panel || !(event.target === panel || panel.contains(event.target))) return;
  const form = panel.querySelector("form[data-section]");
  save.disabled = !form;
  if (form) save.setAttribute("form", form.id);
});
