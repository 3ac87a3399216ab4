// openbwv evidence page: the transcript beside the video. Each word is a button that seeks the
// video to it (player.js handles [data-seek]); the word being said is highlighted as the video
// plays (player.js sends bwv:time); "Find in the transcript" marks matches and Enter goes to the
// next. Low-confidence words are marked, and what was not transcribed is said. No inline scripts.
"use strict";

(function () {
  const panel = document.getElementById("transcript");
  if (!panel) return;
  const body = document.getElementById("transcript-body");
  const statusLine = document.getElementById("transcript-status");
  const requestButton = document.getElementById("transcript-request");
  const query = document.getElementById("transcript-query");
  const found = document.getElementById("transcript-found");
  const about = document.getElementById("transcript-model");
  const history = document.getElementById("transcript-history");
  const source = panel.dataset.src;
  let words = [];
  let current = null;
  let matches = [];
  let matchIndex = -1;

  function clock(seconds) {
    const whole = Math.max(0, seconds);
    const minutes = Math.floor(whole / 60);
    const rest = Math.floor(whole - minutes * 60).toString().padStart(2, "0");
    return `${minutes}:${rest}`;
  }

  function say(text) {
    statusLine.textContent = text;
  }

  function gapLine(gap) {
    const line = document.createElement("p");
    line.className = "transcript-gap";
    line.textContent = `[${gap.reason}, ${clock(gap.start)}–${clock(gap.end)}: not transcribed]`;
    return line;
  }

  function segmentLine(segment, segmentIndex) {
    const line = document.createElement("p");
    line.className = "transcript-segment";
    const time = document.createElement("button");
    time.type = "button";
    time.className = "segment-time";
    time.dataset.seek = String(segment.start);
    time.textContent = clock(segment.start);
    time.setAttribute("aria-label", `Go to ${clock(segment.start)}`);
    line.append(time, " ");
    segment.words.forEach((word) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "word" + (word.low_confidence ? " low-confidence" : "");
      button.dataset.seek = String(word.start);
      button.dataset.start = String(word.start);
      button.dataset.end = String(word.end);
      button.dataset.segment = String(segmentIndex);
      button.dataset.word = String(segment.words.indexOf(word));
      button.textContent = word.word;
      if (word.low_confidence) {
        button.title = `Low confidence (${Math.round(word.probability * 100)}%): check against the sound`;
      }
      words.push(button);
      line.append(button, " ");
    });
    return line;
  }

  function show(transcript) {
    body.replaceChildren();
    words = [];
    const items = [
      ...transcript.segments.map((s, i) => ({ at: s.start, node: () => segmentLine(s, i) })),
      ...transcript.not_transcribed.map((g) => ({ at: g.start, node: () => gapLine(g) })),
    ].sort((a, b) => a.at - b.at);
    items.forEach((item) => body.append(item.node()));
    const m = transcript.model;
    about.textContent =
      `Version ${transcript.version} of ${transcript.current_version} (${transcript.kind}, ${transcript.author}). ` +
      `Made by ${m.engine} ${m.engine_version} with ${m.name} ${m.version} (${m.licence}, SHA-256 ${m.sha256.slice(0, 16)}…). ` +
      "Speakers are not labelled. Dimmed words were heard with low confidence.";
    say(words.length ? `${words.length} words.` : "No speech was found in this recording.");
    query.disabled = false;
    shown = transcript;
    if (correctButton) correctButton.hidden = !words.length;
    showHistory();
  }

  // Corrections (those who may edit the item): each changed word is collected, then saved as one
  // new version on top of the current one; nothing is overwritten (the API keeps every version).
  const correctButton = document.getElementById("transcript-correct");
  const corrections = document.getElementById("transcript-corrections");
  let shown = null;
  let correcting = false;
  let changes = new Map();

  function countChanges() {
    const n = changes.size;
    document.getElementById("transcript-changes").textContent =
      n ? `${n} word(s) changed` : "No changes yet";
  }

  function editWord(button) {
    const input = document.createElement("input");
    input.type = "text";
    input.className = "word-edit";
    input.value = button.textContent;
    input.setAttribute("aria-label", `Correct “${button.textContent}”`);
    button.replaceWith(input);
    input.focus();
    input.select();
    let finished = false; // replacing the field blurs it: finish once
    const finish = (keep) => {
      if (finished) return;
      finished = true;
      const text = input.value.trim();
      if (keep && text && text !== button.textContent) {
        changes.set(`${button.dataset.segment}/${button.dataset.word}`, {
          segment: Number(button.dataset.segment), word: Number(button.dataset.word), text,
        });
        button.textContent = text;
        button.classList.add("corrected");
      }
      input.replaceWith(button);
      countChanges();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); finish(true); }
      if (event.key === "Escape") { event.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
  }

  function setCorrecting(on) {
    correcting = on;
    changes = new Map();
    corrections.hidden = !on;
    correctButton.hidden = on;
    countChanges();
  }

  if (correctButton) {
    correctButton.addEventListener("click", () => setCorrecting(true));
    body.addEventListener("click", (event) => {
      const button = event.target.closest("button.word");
      if (!correcting || !button) return;
      event.preventDefault();
      event.stopPropagation();
      editWord(button);
    }, true);
    document.getElementById("transcript-cancel").addEventListener("click", () => {
      setCorrecting(false);
      show(shown);
    });
    document.getElementById("transcript-save").addEventListener("click", async () => {
      if (!changes.size) { say("Change a word first."); return; }
      const response = await fetch(`${source}/versions`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": window.openbwv.csrfToken() },
        body: JSON.stringify({
          base_version: shown.current_version,
          changes: [...changes.values()],
          note: document.getElementById("transcript-note").value.trim() || null,
        }),
      });
      const data = await response.json().catch(() => null);
      if (!response.ok) {
        say(`Not saved: ${(data && (data.detail || data.title)) || response.status}`);
        return;
      }
      setCorrecting(false);
      show(data);
      say(`Saved as version ${data.version}.`);
    });
  }

  // Every version (the machine's first, then each correction), each readable and exportable.
  function showHistory() {
    fetch(`${source}/versions`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) return;
        const list = history.querySelector("ol");
        list.replaceChildren();
        data.versions.forEach((v) => {
          const item = document.createElement("li");
          const when = new Date(v.created_at).toLocaleString("en-GB", { timeZone: "Europe/London" });
          const what = v.kind === "machine" ? "made by the machine" : `${v.words_changed} word(s) corrected`;
          item.textContent = `Version ${v.version}: ${what} by ${v.author}, ${when}${v.note ? ` — “${v.note}”` : ""}. `;
          [["JSON", ""], ["WebVTT", "&format=vtt"]].forEach(([label, extra], index) => {
            const link = document.createElement("a");
            link.href = `${source}?version=${v.version}${extra}`;
            link.textContent = label;
            if (index) item.append(" · ");
            item.append(link);
          });
          list.append(item);
        });
        history.querySelector("summary").textContent = `History: ${data.versions.length} version(s)`;
        history.hidden = false;
      });
  }

  function poll() {
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data })))
      .then(({ ok, data }) => {
        if (ok) {
          requestButton.hidden = true;
          show(data);
          return;
        }
        say(data.detail || "No transcript yet.");
        const waiting = data.state === "pending" || data.state === "running";
        requestButton.hidden = waiting;
        if (waiting) setTimeout(poll, 3000);
      })
      .catch(() => say("The transcript could not be loaded."));
  }

  requestButton.addEventListener("click", () => {
    requestButton.disabled = true;
    fetch(source, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": window.openbwv ? window.openbwv.csrfToken() : "" },
    })
      .then(() => {
        requestButton.disabled = false;
        poll();
      })
      .catch(() => say("The transcript could not be requested."));
  });

  // The word being said: the last word that has started, while the time is inside it.
  document.addEventListener("bwv:time", (event) => {
    const now = event.detail.time;
    let next = null;
    for (const word of words) {
      const start = parseFloat(word.dataset.start);
      if (start > now) break;
      if (now < parseFloat(word.dataset.end) + 0.15) next = word;
    }
    if (next === current) return;
    if (current) {
      current.classList.remove("current");
      current.removeAttribute("aria-current");
    }
    current = next;
    if (current) {
      current.classList.add("current");
      current.setAttribute("aria-current", "true");
    }
  });

  function normal(text) {
    return text.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, "");
  }

  function find() {
    const wanted = query.value.trim().split(/\s+/).map(normal).filter(Boolean);
    words.forEach((word) => word.classList.remove("match"));
    matches = [];
    matchIndex = -1;
    if (!wanted.length) {
      found.textContent = "";
      return;
    }
    for (let i = 0; i + wanted.length <= words.length; i += 1) {
      if (wanted.every((token, k) => normal(words[i + k].textContent) === token)) {
        matches.push(words[i]);
        for (let k = 0; k < wanted.length; k += 1) words[i + k].classList.add("match");
      }
    }
    found.textContent = matches.length === 1 ? "1 match" : `${matches.length} matches`;
  }

  query.addEventListener("input", find);
  document.getElementById("transcript-find").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!matches.length) return;
    matchIndex = (matchIndex + 1) % matches.length;
    const target = matches[matchIndex];
    target.scrollIntoView({ block: "nearest" });
    target.click();
    target.focus();
    found.textContent = `${matchIndex + 1} of ${matches.length}`;
  });

  poll();
})();
