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

  function segmentLine(segment) {
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
      ...transcript.segments.map((s) => ({ at: s.start, node: () => segmentLine(s) })),
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
    showHistory();
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
