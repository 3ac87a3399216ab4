// openbwv: small progressive enhancements. No inline scripts anywhere (strict CSP).
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Every htmx request carries the session's CSRF token.
document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRF-Token"] = csrfToken();
});

// Elements with data-confirm ask before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

window.openbwv = { csrfToken };

// What a person typed survives an expired session. Each form posted is kept in sessionStorage
// (this tab only), keyed by the page and the form, as "pending". If the answer is the sign-in page
// saying the session expired, the copy becomes "kept"; any other page (or htmx answer) drops it.
// Back on the same page after signing in, the kept values are put back into the same form with a
// note, and never submitted: the person checks and submits again, with the new session's CSRF
// token (hidden fields, passwords and files are never kept).
const KEPT_PREFIX = "openbwv:kept:";
const KEPT_FOR_MS = 60 * 60 * 1000;
const KEPT_NOTE = "We kept what you typed; check it and submit again";

function formAction(form) {
  return form.getAttribute("hx-post") || form.getAttribute("action") || "";
}

function formKey(form) {
  const action = formAction(form);
  const same = Array.from(document.forms).filter((f) => formAction(f) === action);
  return `${action}#${same.indexOf(form)}`;
}

function keptKey(page, form) {
  return `${KEPT_PREFIX}${page}|${form}`;
}

function keepable(el) {
  if (!el.name || el.disabled) return false;
  if (el instanceof HTMLInputElement) {
    return !["hidden", "password", "file", "submit", "button", "reset", "image"].includes(el.type);
  }
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
}

function snapshot(form) {
  return Array.from(form.elements).filter(keepable).map((el) => {
    if (el.type === "checkbox" || el.type === "radio") {
      return { name: el.name, value: el.value, checked: el.checked };
    }
    if (el instanceof HTMLSelectElement) {
      return { name: el.name, selected: Array.from(el.selectedOptions, (o) => o.value) };
    }
    return { name: el.name, value: el.value };
  });
}

function keepPending(form) {
  // Returns the storage key, or null when nothing is kept.
  if (!(form instanceof HTMLFormElement) || form.method !== "post") return null;
  if (form.dataset.keep === "no" || location.pathname.startsWith("/sign-in")) return null;
  const fields = snapshot(form);
  if (!fields.length) return null; // only hidden fields (sign out, revoke): nothing typed
  const page = location.pathname + location.search;
  const entry = { state: "pending", page, form: formKey(form), fields, at: Date.now() };
  const key = keptKey(page, entry.form);
  try {
    sessionStorage.setItem(key, JSON.stringify(entry));
  } catch (_) {
    return null; // storage full or refused: the form still submits as before
  }
  return key;
}

function restore(form, fields) {
  const queues = new Map();
  for (const field of fields) {
    if ("checked" in field) continue;
    if (!queues.has(field.name)) queues.set(field.name, []);
    queues.get(field.name).push(field);
  }
  for (const el of Array.from(form.elements).filter(keepable)) {
    if (el.type === "checkbox" || el.type === "radio") {
      const saved = fields.find((f) => f.name === el.name && f.value === el.value && "checked" in f);
      if (saved) el.checked = saved.checked;
      continue;
    }
    const saved = (queues.get(el.name) || []).shift();
    if (!saved) continue;
    if (el instanceof HTMLSelectElement) {
      for (const option of el.options) option.selected = saved.selected.includes(option.value);
    } else {
      el.value = saved.value;
    }
  }
  const note = document.createElement("p");
  note.className = "notice kept-note";
  note.setAttribute("role", "status");
  note.textContent = KEPT_NOTE;
  form.before(note);
  note.scrollIntoView({ block: "center" });
}

function settleKept() {
  let keys;
  try {
    keys = Object.keys(sessionStorage).filter((k) => k.startsWith(KEPT_PREFIX));
  } catch (_) {
    return;
  }
  const expired = document.querySelector("[data-session-expired]") !== null;
  const here = location.pathname + location.search;
  for (const key of keys) {
    let entry = null;
    try {
      entry = JSON.parse(sessionStorage.getItem(key));
    } catch (_) {
      entry = null;
    }
    if (!entry || !Array.isArray(entry.fields) || Date.now() - entry.at > KEPT_FOR_MS) {
      sessionStorage.removeItem(key);
    } else if (entry.state === "pending") {
      if (expired) {
        entry.state = "kept";
        sessionStorage.setItem(key, JSON.stringify(entry));
      } else {
        sessionStorage.removeItem(key); // the post was answered: nothing to restore
      }
    } else if (entry.page === here) {
      const form = Array.from(document.forms).find((f) => formKey(f) === entry.form);
      if (form) restore(form, entry.fields);
      sessionStorage.removeItem(key);
    }
  }
}

// Plain forms: after the data-confirm check above (a refused confirm keeps nothing).
document.addEventListener("submit", (event) => {
  if (!event.defaultPrevented) keepPending(event.target);
});
// htmx forms (htmx prevents the plain submit): kept as the request starts (the form may be
// swapped out by the answer, so the key rides on the request's detail)...
document.addEventListener("htmx:beforeRequest", (event) => {
  const detail = event.detail;
  if (detail.requestConfig && detail.requestConfig.verb !== "get") {
    const elt = detail.elt;
    detail.openbwvKept = keepPending(elt instanceof HTMLFormElement ? elt : elt.form || null);
  }
});
// ...and dropped once answered, unless the answer sends the browser to sign in.
document.addEventListener("htmx:afterRequest", (event) => {
  const { xhr, openbwvKept } = event.detail;
  const redirect = xhr ? xhr.getResponseHeader("HX-Redirect") || "" : "";
  if (openbwvKept && !redirect.startsWith("/sign-in")) {
    try {
      sessionStorage.removeItem(openbwvKept);
    } catch (_) {
      // nothing kept
    }
  }
});

settleKept();
