// The only hand-written script: behaviour the CSP keeps out of inline attributes.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});

// --- Unsaved edits --------------------------------------------------------------------------------------------
// A section form (data-section="Its label") or a guarded one (data-guard) is dirty once edited; the server marks
// one it sends back with errors (its values are still unsaved). A save swaps the section for a clean one.
const EDITABLE = "form[data-section], form[data-guard]";
const DIRTY = "form[data-section][data-dirty], form[data-guard][data-dirty]";

function markDirty(event) {
  const form = event.target.closest && event.target.closest(EDITABLE);
  if (form) form.dataset.dirty = "";
}
document.addEventListener("input", markDirty);
document.addEventListener("change", markDirty);

// Leaving the page with unsaved edits asks first (the browser words the question).
window.addEventListener("beforeunload", (event) => {
  if (document.querySelector(DIRTY)) {
    event.preventDefault();
    event.returnValue = "";
  }
});

function sectionLabel(form) {
  return form.dataset.section || "a form";
}

function shopDomainMove(form) {
  const domain = form.querySelector("input[name=shop_domain][data-current]");
  if (!domain || domain.value.trim() === "" || domain.value.trim() === domain.dataset.current) return null;
  return { from: domain.dataset.current, to: domain.value.trim() };
}

// Requests htmx is about to send that need a yes first: a tab switch that would drop unsaved edits in the view
// panel, and moving the channel to another store.
let resending = null; // a form sent again after the password prompt: its question was answered already
document.addEventListener("htmx:confirm", (event) => {
  const { elt, target } = event.detail;
  if (elt === resending) {
    resending = null;
    return;
  }
  let question = null;
  const panel = document.getElementById("view-panel");
  const dirtyInPanel = panel && target === panel ? panel.querySelector(DIRTY) : null;
  if (dirtyInPanel) {
    question = `${sectionLabel(dirtyInPanel)} has unsaved changes. Leave them unsaved?`;
  } else if (elt.id === "general-form") {
    const move = shopDomainMove(elt);
    if (move) {
      question =
        `Move this channel from ${move.from} to ${move.to}? ` +
        "Its next imports read the new store; orders already imported stay.";
    }
  }
  if (!question) return;
  event.preventDefault();
  if (window.confirm(question)) event.detail.issueRequest(true);
});

// General: the new store's access token field shows once the Shop Domain differs from the channel's.
document.addEventListener("input", (event) => {
  if (event.target.name !== "shop_domain" || !event.target.dataset.current) return;
  const form = event.target.closest("form");
  const tokenField = form && form.querySelector("[data-new-store-token]");
  if (tokenField) tokenField.hidden = !shopDomainMove(form);
});

// --- Quick actions › Save: every edited section, one after the other, then what was and was not saved ---------
function listed(labels) {
  return labels.length < 2 ? labels.join("") : `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}`;
}

async function saveEverySection(button) {
  const status = document.getElementById("quick-save-status");
  const forms = [...document.querySelectorAll("form[data-section][data-dirty]")];
  if (!forms.length) {
    status.className = "small text-muted";
    status.textContent = "No unsaved changes.";
    return;
  }
  button.disabled = true;
  status.className = "small text-muted";
  status.textContent = `Saving ${listed(forms.map(sectionLabel))}…`;
  const saved = [];
  const refused = [];
  const waiting = [];
  for (const form of forms) {
    await htmx.ajax("POST", form.getAttribute("hx-post"), { source: form });
    const now = document.getElementById(form.id);
    if (now === form) waiting.push(sectionLabel(form)); // not swapped: a password to confirm, or cancelled
    else if (now && now.hasAttribute("data-dirty")) refused.push(sectionLabel(form));
    else saved.push(sectionLabel(form));
  }
  button.disabled = false;
  const report = [];
  if (saved.length) report.push(`Saved ${listed(saved)}.`);
  if (refused.length) report.push(`Not saved: ${listed(refused)} (see the errors there).`);
  if (waiting.length) report.push(`Not saved yet: ${listed(waiting)}.`);
  status.className = refused.length || waiting.length ? "small text-danger" : "small text-success";
  status.textContent = report.join(" ");
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("#quick-save");
  if (!button) return;
  event.preventDefault();
  saveEverySection(button);
});

// --- Password confirmation in place (web/login_sessions.py) ---------------------------------------------------
// A save that needs a fresh login gets the prompt in #reauth-panel instead of a new page; once confirmed, the
// form that asked is sent again with everything still typed in it.
let awaitingPassword = null;
document.addEventListener("reauthentication-needed", (event) => {
  awaitingPassword = event.target.closest("form") || event.target;
});
document.addEventListener("reauthenticated", () => {
  const form = awaitingPassword;
  awaitingPassword = null;
  if (!form || !form.isConnected) return;
  resending = form;
  form.requestSubmit();
});
document.addEventListener("click", (event) => {
  if (!event.target.closest("[data-reauth-cancel]")) return;
  document.getElementById("reauth-panel").replaceChildren();
  awaitingPassword = null;
});
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id !== "reauth-panel") return;
  const password = event.target.querySelector("input[type=password]");
  if (password) {
    event.target.scrollIntoView({ block: "center" });
    password.focus();
  }
});

// --- Arriving at a form (a "Map…" link to #sku-form): scroll to it and focus the first field left to fill ----
function arriveAtForm() {
  const form = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (!form || form.tagName !== "FORM") return;
  const fields = [...form.querySelectorAll("input:not([type=hidden]), select, textarea")].filter(
    (field) => !field.disabled && field.offsetParent !== null,
  );
  const field = fields.find((f) => !f.value) || fields[0];
  form.scrollIntoView({ block: "start" });
  if (field) field.focus({ preventScroll: true });
}
// After "load": the browser's own scroll to the fragment, done while loading, would take the focus back.
if (document.readyState === "complete") arriveAtForm();
else window.addEventListener("load", arriveAtForm);

// --- Copy buttons (data-copy="#field"): what is shown once (intake URL, API key, recovery codes) ---------------
// An input's value, or an element's lines of text (a list of recovery codes, one per line).
function copiedText(field) {
  if (field.tagName === "INPUT" || field.tagName === "TEXTAREA") return field.value;
  return [...field.querySelectorAll("li")].map((li) => li.textContent.trim()).join("\n") || field.textContent.trim();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  if (field.select) field.select();
  const done = () => { button.textContent = "Copied"; };
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(copiedText(field)).then(done, () => {});
  else if (document.execCommand("copy")) done();
});

// --- Download buttons (data-download="#list" data-filename="x.txt"): the recovery codes as a text file -------
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-download]");
  if (!button) return;
  const field = document.querySelector(button.dataset.download);
  if (!field) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([`${copiedText(field)}\n`], { type: "text/plain" }));
  link.download = button.dataset.filename || "download.txt";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
});

// --- Focus after a swap the user asked for (a tab, a Save, the wizard's Next) ---------------------------------
// The swapped panel's heading takes the focus, or on a refusal (422) the first field that was refused, so the
// next Tab continues inside the new content and a screen reader reads where the user is. Polls (run cards,
// health, lists) never move the focus.
function swappedElement(detail) {
  const target = detail.target;
  if (target && target.isConnected) return target;
  return target && target.id ? document.getElementById(target.id) : null;
}

document.addEventListener("htmx:afterSettle", (event) => {
  const cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
  if (!cause || (cause.type !== "click" && cause.type !== "submit")) return;
  const panel = swappedElement(event.detail);
  if (!panel || panel.id === "reauth-panel") return;
  const invalid = event.detail.xhr && event.detail.xhr.status === 422 && panel.querySelector("[aria-invalid=true]");
  if (invalid) {
    invalid.focus();
    return;
  }
  if (panel.contains(document.activeElement) && document.activeElement !== document.body) return;
  const heading = panel.querySelector("h1, h2, h3, legend, [aria-current=step]") || panel;
  if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
  heading.focus({ preventScroll: false });
});

// --- Run cards: their progress refreshes every second; a screen reader hears when a run's status changes -------
const announcedStatus = new Map();
document.addEventListener("htmx:afterSettle", (event) => {
  const card = swappedElement(event.detail);
  if (!card || !card.id || !card.id.startsWith("run-card-")) return;
  const status = card.querySelector("[data-testid=run-status]");
  const announcer = document.getElementById("run-announcer");
  if (!status || !announcer) return;
  const text = `${card.querySelector("h3").textContent.trim()}: ${status.textContent.trim()}.`;
  if (announcedStatus.get(card.id) === text) return;
  announcedStatus.set(card.id, text);
  announcer.textContent = text;
});

// --- The channel page's view tabs: Left/Right (and Home/End) move between them, as in a tab list --------------
// They stay links in the Tab order (each opens its own URL); the arrows are the shortcut a tab row promises.
document.addEventListener("keydown", (event) => {
  const link = event.target.closest && event.target.closest("#view-tabs a.nav-link");
  if (!link || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const links = Array.from(link.closest("#view-tabs").querySelectorAll("a.nav-link"));
  const at = links.indexOf(link);
  const next = {
    ArrowRight: links[(at + 1) % links.length],
    ArrowLeft: links[(at - 1 + links.length) % links.length],
    Home: links[0],
    End: links[links.length - 1],
  }[event.key];
  if (!next) return;
  event.preventDefault();
  next.focus();
  next.scrollIntoView({ block: "nearest", inline: "nearest" });
});
