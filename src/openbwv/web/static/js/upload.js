// openbwv: uploads from the browser with the vendored tus-js-client (resumable).
// - London wall-clock time from the form is sent as RFC 3339 UTC (whatever the browser's zone).
// - Each file gets a <progress> and text; milestones are announced through an aria-live region.
// - Resume: tus-js-client stores each upload's URL under a fingerprint (this user + the file's
//   name, type, size and modification time), so picking the same file again after a dropped
//   connection or a reload carries on from the server's offset.
"use strict";

(function () {
  const form = document.getElementById("upload-form");
  if (!form || !window.tus) {
    return;
  }
  const filesInput = document.getElementById("files");
  const serialInput = document.getElementById("camera_serial");
  const startInput = document.getElementById("recorded_start");
  const startUtc = document.getElementById("start-utc");
  const errorBox = document.getElementById("upload-error");
  const list = document.getElementById("upload-list");
  const progressSection = document.getElementById("progress-section");
  const announcer = document.getElementById("upload-announcer");
  const userId = form.dataset.user || "";
  // Bytes per PATCH (the page says; read at each upload): what a dropped connection can cost.
  function chunkSize() {
    return Number(form.dataset.chunkSize) || 4 * 1024 * 1024;
  }

  // --- London time -> UTC -----------------------------------------------------------------------
  const londonParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London",
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

  function londonOffsetMs(instant) {
    const parts = {};
    for (const part of londonParts.formatToParts(new Date(instant))) {
      parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return wall - Math.floor(instant / 1000) * 1000;
  }

  // "2026-03-29T10:15" or "...:30" as London wall time -> "2026-03-29T09:15:00Z".
  function londonToUtc(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
    if (!m) {
      return null;
    }
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    let instant = wall - londonOffsetMs(wall);
    instant = wall - londonOffsetMs(instant); // right on either side of a clock change
    return new Date(instant).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  function showUtc() {
    const utc = startInput.value ? londonToUtc(startInput.value) : null;
    startUtc.textContent = utc ? "Stored as " + utc + " (UTC)." : "";
  }
  startInput.addEventListener("change", showUtc);
  startInput.addEventListener("input", showUtc);

  // --- messages --------------------------------------------------------------------------------
  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.focus();
  }

  function announce(message) {
    announcer.textContent = message;
  }

  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(1) + " MB";
  }

  function problemText(error) {
    const response = error && error.originalResponse;
    if (response) {
      try {
        const body = JSON.parse(response.getBody() || "{}");
        if (body.detail) {
          return body.detail;
        }
      } catch (ignored) {
        // not problem details: fall through to the client's message
      }
      return "the server answered " + response.getStatus();
    }
    return error && error.message ? error.message : String(error);
  }

  // --- one file --------------------------------------------------------------------------------
  function row(file, index) {
    const item = document.createElement("li");
    item.className = "upload-item";
    const label = document.createElement("span");
    label.className = "upload-name";
    label.id = "upload-name-" + index;
    label.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-labelledby", label.id);
    const text = document.createElement("span");
    text.className = "upload-text";
    text.textContent = "Waiting";
    item.append(label, bar, text);
    list.append(item);
    return { item, bar, text };
  }

  function evidenceLink(location) {
    const found = /\/evidence\/([0-9a-f-]{36})/i.exec(location || "");
    if (!found) {
      return null;
    }
    const link = document.createElement("a");
    link.href = "/evidence/" + found[1];
    link.className = "evidence-link";
    link.textContent = "Open the evidence item";
    return link;
  }

  function fingerprint(file) {
    return Promise.resolve(
      ["openbwv", userId, file.name, file.type, file.size, file.lastModified].join("/")
    );
  }

  function send(file, metadata, index) {
    const view = row(file, index);
    let evidenceLocation = null;
    let alreadyHeldSince = null;
    let lastMilestone = -1;
    const upload = new window.tus.Upload(file, {
      endpoint: "/api/v1/uploads/",
      chunkSize: chunkSize(),
      retryDelays: [0, 1000, 3000, 5000, 10000],
      headers: { "X-CSRF-Token": window.openbwv.csrfToken() },
      metadata: Object.assign({ filename: file.name, filetype: file.type || "" }, metadata),
      fingerprint: fingerprint,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress(sent, total) {
        const percent = total ? Math.floor((100 * sent) / total) : 100;
        view.bar.value = percent;
        view.text.textContent = percent + "% (" + megabytes(sent) + " of " + megabytes(total) + ")";
        const milestone = Math.floor(percent / 25);
        if (milestone !== lastMilestone) {
          lastMilestone = milestone;
          announce(file.name + ": " + percent + "% uploaded");
        }
      },
      onAfterResponse(request, response) {
        const location = response.getHeader("Evidence-Location");
        if (location) {
          evidenceLocation = location;
        }
        const heldSince = response.getHeader("Evidence-Held-Since");
        if (heldSince) {
          alreadyHeldSince = heldSince;
        }
      },
      onSuccess() {
        view.bar.value = 100;
        const link = evidenceLink(evidenceLocation);
        if (link && alreadyHeldSince) {
          // Identical bytes are one item: say which, since when, and that nothing typed was lost.
          const since = new Date(alreadyHeldSince).toLocaleString("en-GB", { timeZone: "Europe/London" });
          view.text.textContent = "Already held: this file has been evidence since " + since + " as ";
          view.text.append(link);
          view.text.append(". What you entered (camera, times) was added to it as a note.");
          view.item.classList.add("done", "duplicate");
          announce(file.name + ": already held as evidence; your details were added as a note");
          document.body.dispatchEvent(new CustomEvent("upload-done", { bubbles: true }));
          return;
        }
        view.text.textContent = "100% — uploaded and hashed. ";
        if (link) {
          view.text.append(link);
        } else {
          view.text.append("The item is listed under your recent uploads.");
        }
        view.item.classList.add("done");
        announce(file.name + ": upload complete");
        document.body.dispatchEvent(new CustomEvent("upload-done", { bubbles: true }));
      },
      onError(error) {
        view.item.classList.add("failed");
        view.text.textContent = "Failed: " + problemText(error) + ". Pick the file again to retry.";
        announce(file.name + ": upload failed");
      },
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
        view.text.textContent = "Resuming an earlier upload";
      }
      upload.start();
    });
  }

  function metadataFromForm() {
    const metadata = {};
    const serial = serialInput.value.trim();
    if (serial) {
      if (!serialInput.checkValidity()) {
        throw new Error("The camera serial number may use letters, digits, '.', '_', ':' or '-'.");
      }
      metadata.camera_serial = serial;
    }
    if (startInput.value) {
      const utc = londonToUtc(startInput.value);
      if (!utc) {
        throw new Error("Give the recording's start as a date and time.");
      }
      metadata.recorded_start = utc;
    }
    return metadata;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const files = Array.from(filesInput.files || []);
    if (!files.length) {
      showError("Choose at least one file to upload.");
      return;
    }
    let metadata;
    try {
      metadata = metadataFromForm();
    } catch (error) {
      showError(error.message);
      return;
    }
    list.replaceChildren();
    progressSection.hidden = false;
    files.forEach((file, index) => send(file, metadata, index));
  });

  // --- unfinished uploads kept by this browser --------------------------------------------------
  const storage = window.tus.defaultOptions && window.tus.defaultOptions.urlStorage;
  if (storage && storage.findAllUploads) {
    storage.findAllUploads().then((uploads) => {
      const mine = uploads.filter((u) => (u.urlStorageKey || "").indexOf("openbwv/" + userId + "/") !== -1);
      if (!mine.length) {
        return;
      }
      const target = document.getElementById("unfinished-list");
      for (const upload of mine) {
        const entry = document.createElement("li");
        const name = (upload.metadata && upload.metadata.filename) || "a file";
        entry.textContent = name + " (" + megabytes(upload.size || 0) + ")";
        target.append(entry);
      }
      document.getElementById("unfinished").hidden = false;
    });
  }
})();
