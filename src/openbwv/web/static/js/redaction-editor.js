// The redaction editor (/evidence/{id}/redactions/{rid}): the tracks drawn over the video, a
// decision per track with its reason, boxes drawn by hand, audio ranges on the waveform, the quick
// release, and the render with its progress. Every change goes through the redaction API, which
// authorises and audits it; the page only shows what the API answers.
"use strict";

(function () {
  const root = document.getElementById("editor");
  if (!root) return;
  const api = root.dataset.api;
  const video = document.getElementById("video");
  const overlay = document.getElementById("overlay");
  const statusBar = document.getElementById("editor-status");
  const state = { redaction: null, tracks: [], byFrame: new Map(), drawing: false, keys: [] };

  function say(text) { statusBar.textContent = text; }

  async function call(method, path, body) {
    const headers = { "X-CSRF-Token": window.openbwv.csrfToken() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(api + path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const detail = data && (data.detail || data.title);
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return data;
  }

  function reason(prefix) {
    const value = document.getElementById(prefix + "-reason").value;
    const text = document.getElementById(prefix + "-reason-text").value.trim();
    return { reason: value || null, reason_text: text || null };
  }

  function fps() { return (state.redaction && state.redaction.video && state.redaction.video.fps) || 25; }
  function frameNow() { return Math.floor(video.currentTime * fps() + 1e-3); }

  function index(tracks) {
    state.byFrame = new Map();
    for (const track of tracks) {
      for (const row of track.boxes || []) {
        const frame = row[0];
        if (frame < track.first_frame || frame > track.last_frame) continue;
        if (!state.byFrame.has(frame)) state.byFrame.set(frame, []);
        state.byFrame.get(frame).push({ track, x: row[1], y: row[2], w: row[3], h: row[4] });
      }
    }
  }

  function drawBoxes() {
    const frame = frameNow();
    document.getElementById("frame").textContent = String(frame);
    overlay.replaceChildren();
    const v = state.redaction && state.redaction.video;
    if (!v) return;
    const sx = overlay.clientWidth / v.width, sy = overlay.clientHeight / v.height;
    const preview = document.getElementById("preview").checked;
    const shown = (state.byFrame.get(frame) || []).slice();
    for (const key of state.keys) if (key.frame === frame) shown.push({ track: { decision: "drawing" }, ...key });
    for (const box of shown) {
      const div = document.createElement("div");
      const decision = box.track.decision || "undecided";
      div.className = "box " + decision + (preview && decision === "redact" ? " preview-" + box.track.style : "");
      div.style.left = box.x * sx + "px";
      div.style.top = box.y * sy + "px";
      div.style.width = box.w * sx + "px";
      div.style.height = box.h * sy + "px";
      if (box.track.number) div.title = "Track " + box.track.number;
      overlay.appendChild(div);
    }
    if (preview && state.redaction.whole_frame) {
      const whole = document.createElement("div");
      whole.className = "box redact preview-blur whole";
      overlay.appendChild(whole);
    }
  }

  function tick() {
    drawBoxes();
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(tick);
  }

  function trackItem(track) {
    const item = document.getElementById("track-template").content.firstElementChild.cloneNode(true);
    item.dataset.trackId = track.id;
    item.dataset.decision = track.decision || "";
    const thumb = item.querySelector(".thumb");
    if (track.thumbnail) { thumb.src = track.thumbnail; thumb.alt = "Track " + track.number; } else thumb.remove();
    const seconds = (track.first_frame / fps()).toFixed(2) + "–" + ((track.last_frame + 1) / fps()).toFixed(2) + " s";
    item.querySelector(".track-title").textContent =
      "Track " + track.number + " · " + track.kind + " · " + seconds +
      (track.best_score !== null ? " · score " + track.best_score : "") +
      (track.decided_by ? " · " + track.decision + " by " + track.decided_by : "");
    item.querySelector(".first").value = track.first_frame;
    item.querySelector(".last").value = track.last_frame;
    item.querySelector(".decision").value = track.decision || "";
    item.querySelector(".style").value = track.style;
    item.querySelector(".reason").value = track.reason || "";
    item.querySelector(".reason-text").value = track.reason_text || "";
    item.querySelector(".seek").addEventListener("click", () => {
      video.currentTime = (track.first_frame + 0.5) / fps();
    });
    item.querySelector(".save").addEventListener("click", async () => {
      const body = {
        decision: item.querySelector(".decision").value || null,
        style: item.querySelector(".style").value,
        reason: item.querySelector(".reason").value || null,
        reason_text: item.querySelector(".reason-text").value.trim() || null,
        first_frame: Number(item.querySelector(".first").value),
        last_frame: Number(item.querySelector(".last").value),
      };
      try {
        await call("PUT", "/tracks/" + track.id, body);
        say("Track " + track.number + ": " + body.decision + " recorded.");
        await load();
      } catch (error) { say("Track " + track.number + " not saved: " + error.message); }
    });
    return item;
  }

  function showTracks() {
    const list = document.getElementById("tracks");
    list.replaceChildren(...state.tracks.map(trackItem));
  }

  async function load() {
    state.redaction = await call("GET", "");
    root.dataset.status = state.redaction.status;
    if (state.redaction.status === "detecting") {
      say("Finding faces and plates… " + Math.round(state.redaction.progress * 100) + "%");
      setTimeout(load, 1500);
      return;
    }
    if (state.redaction.status === "failed") { say("Detection failed: " + state.redaction.error); return; }
    state.tracks = await call("GET", "/tracks");
    index(state.tracks);
    showTracks();
    await showAudio();
    drawBoxes();
    if (state.redaction.status === "rendering") pollRender();
    else if (state.redaction.rendered_revision) showRendered();
    say(state.tracks.length + " tracks, " + state.redaction.undecided_count + " undecided.");
  }

  // --- drawing boxes by hand -------------------------------------------------------------
  let start = null;
  function point(event) {
    const v = state.redaction.video, rect = overlay.getBoundingClientRect();
    return { x: (event.clientX - rect.left) * v.width / rect.width, y: (event.clientY - rect.top) * v.height / rect.height };
  }
  document.getElementById("draw").addEventListener("click", () => {
    video.pause();
    state.drawing = true;
    overlay.classList.add("drawing");
    say("Drag over the video to draw the box on frame " + frameNow() + ".");
  });
  overlay.addEventListener("pointerdown", (event) => { if (state.drawing) start = point(event); });
  overlay.addEventListener("pointerup", (event) => {
    if (!state.drawing || !start) return;
    const end = point(event);
    const key = {
      frame: frameNow(), x: Math.max(0, Math.min(start.x, end.x)), y: Math.max(0, Math.min(start.y, end.y)),
      w: Math.abs(end.x - start.x), h: Math.abs(end.y - start.y),
    };
    start = null;
    state.drawing = false;
    overlay.classList.remove("drawing");
    if (key.w < 2 || key.h < 2) return;
    state.keys = state.keys.filter((k) => k.frame !== key.frame).concat([key]).sort((a, b) => a.frame - b.frame);
    document.getElementById("keyframes").textContent = state.keys.length + " keyframes (frames " + state.keys.map((k) => k.frame).join(", ") + ")";
    drawBoxes();
  });
  document.getElementById("draw-clear").addEventListener("click", () => {
    state.keys = [];
    document.getElementById("keyframes").textContent = "No keyframes";
    drawBoxes();
  });
  document.getElementById("draw-save").addEventListener("click", async () => {
    if (!state.keys.length) { say("Draw a box first."); return; }
    const last = document.getElementById("draw-last").value;
    try {
      await call("POST", "/tracks", {
        keyframes: state.keys.map((k) => ({ frame: k.frame, x: k.x, y: k.y, w: k.w, h: k.h })),
        last_frame: last === "" ? null : Number(last),
        style: "blur",
        ...reason("draw"),
      });
      state.keys = [];
      document.getElementById("keyframes").textContent = "No keyframes";
      say("The box is saved and will be redacted.");
      await load();
    } catch (error) { say("The box was not saved: " + error.message); }
  });

  // --- bulk decisions ----------------------------------------------------------------------
  document.getElementById("bulk").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const done = await call("POST", "/decisions", { decision: document.getElementById("bulk-decision").value, ...reason("bulk") });
      say(done.length + " tracks decided.");
      await load();
    } catch (error) { say("Not applied: " + error.message); }
  });

  // --- audio ----------------------------------------------------------------------------------
  const canvas = document.getElementById("waveform");
  let peaks = { per_second: 20, peaks: [] };
  function duration() { return (state.redaction.video && state.redaction.video.duration_seconds) || video.duration || 1; }
  function paintWaveform(ranges) {
    const g = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    g.clearRect(0, 0, w, h);
    g.fillStyle = "#c33";
    for (const span of ranges) g.fillRect(span.start_seconds / duration() * w, 0, (span.end_seconds - span.start_seconds) / duration() * w, h);
    g.fillStyle = "#1d3557";
    const n = peaks.peaks.length;
    for (let i = 0; i < n; i++) {
      const x = (i / peaks.per_second) / duration() * w, bar = peaks.peaks[i] * h;
      g.fillRect(x, (h - bar) / 2, Math.max(1, w / n), Math.max(1, bar));
    }
  }
  async function showAudio() {
    peaks = await call("GET", "/waveform");
    const ranges = await call("GET", "/audio");
    paintWaveform(ranges);
    const list = document.getElementById("audio-ranges");
    list.replaceChildren(...ranges.map((span) => {
      const li = document.createElement("li");
      li.textContent = span.mode + " " + span.start_seconds.toFixed(2) + "–" + span.end_seconds.toFixed(2) + " s (" + span.reason + ", " + span.created_by + ") ";
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "secondary"; remove.textContent = "Remove";
      remove.addEventListener("click", async () => {
        try { await call("DELETE", "/audio/" + span.id); await load(); } catch (error) { say(error.message); }
      });
      li.appendChild(remove);
      return li;
    }));
  }
  let dragFrom = null;
  function secondsAt(event) {
    const rect = canvas.getBoundingClientRect();
    return Math.max(0, Math.min(duration(), (event.clientX - rect.left) / rect.width * duration()));
  }
  canvas.addEventListener("pointerdown", (event) => { dragFrom = secondsAt(event); });
  canvas.addEventListener("pointerup", (event) => {
    if (dragFrom === null) return;
    const to = secondsAt(event);
    document.getElementById("audio-start").value = Math.min(dragFrom, to).toFixed(2);
    document.getElementById("audio-end").value = Math.max(dragFrom, to).toFixed(2);
    dragFrom = null;
  });
  // Words of the transcript (when there is one): a selection sets the range from the words'
  // times and the range keeps the words, so the log says what was muted, not only when.
  const chosen = { first: null, last: null, words: [] };
  function chooseWords(words, first, last) {
    chosen.first = Math.min(first, last); chosen.last = Math.max(first, last);
    chosen.words = words.slice(chosen.first, chosen.last + 1).map((w) => w.word.trim());
    document.getElementById("audio-start").value = words[chosen.first].start.toFixed(2);
    document.getElementById("audio-end").value = words[chosen.last].end.toFixed(2);
    for (const button of document.querySelectorAll("#transcript-words button")) {
      const i = Number(button.dataset.index);
      button.classList.toggle("chosen", i >= chosen.first && i <= chosen.last);
    }
  }
  function forgetWords() { chosen.first = chosen.last = null; chosen.words = []; }
  for (const id of ["audio-start", "audio-end"]) document.getElementById(id).addEventListener("input", forgetWords);
  async function showWords() {
    const transcript = root.dataset.transcript;
    const json = { credentials: "same-origin", headers: { Accept: "application/json" } };
    const got = await fetch(transcript, json);
    if (!got.ok) return; // no transcript yet: the waveform alone
    const body = await got.json();
    const words = body.segments.flatMap((s) => s.words);
    if (!words.length) return;
    const line = document.getElementById("transcript-words");
    line.replaceChildren(...words.map((w, i) => {
      const button = document.createElement("button");
      button.type = "button"; button.className = "word"; button.dataset.index = String(i);
      button.textContent = w.word.trim();
      button.title = w.start.toFixed(2) + "–" + w.end.toFixed(2) + " s";
      button.addEventListener("click", (event) => {
        chooseWords(words, event.shiftKey && chosen.first !== null ? chosen.first : i, i);
      });
      return button;
    }));
    document.getElementById("words-panel").hidden = false;
    const pii = await fetch(transcript + "/pii", json);
    if (!pii.ok) return;
    const proposals = (await pii.json()).proposals;
    document.getElementById("pii-proposals").replaceChildren(...proposals.map((p) => {
      const li = document.createElement("li");
      const use = document.createElement("button");
      use.type = "button"; use.className = "secondary";
      use.textContent = p.entity + ": “" + p.text + "” " + p.start.toFixed(2) + "–" + p.end.toFixed(2) + " s";
      use.addEventListener("click", () => chooseWords(words, p.first_word, p.last_word));
      li.appendChild(use);
      return li;
    }));
  }
  showWords().catch((error) => say("The transcript could not be shown: " + error.message));

  document.getElementById("audio-add").addEventListener("click", async () => {
    try {
      const byWords = chosen.words.length ? { source: "words", words: chosen.words } : {};
      await call("POST", "/audio", {
        start_seconds: Number(document.getElementById("audio-start").value),
        end_seconds: Number(document.getElementById("audio-end").value),
        mode: document.getElementById("audio-mode").value,
        ...byWords,
        ...reason("audio"),
      });
      forgetWords();
      say("The audio range is added.");
      await load();
    } catch (error) { say("Not added: " + error.message); }
  });

  // --- quick release -------------------------------------------------------------------------
  document.getElementById("quick-save").addEventListener("click", async () => {
    try {
      await call("PUT", "/options", {
        whole_frame: document.getElementById("whole-frame").checked,
        remove_audio: document.getElementById("remove-audio").checked,
        ...reason("quick"),
      });
      say("Saved.");
      await load();
    } catch (error) { say("Not saved: " + error.message); }
  });

  // --- render --------------------------------------------------------------------------------
  const progress = document.getElementById("render-progress");
  function showRendered() {
    const result = document.getElementById("render-result");
    result.replaceChildren();
    const link = document.createElement("a");
    link.href = api + "/video"; link.textContent = "The redacted copy"; link.id = "rendered-link";
    const log = document.createElement("a");
    log.href = api + "/log"; log.textContent = "its redaction log";
    result.append(link, " (SHA-256 " + state.redaction.render_sha256 + ") and ", log,
      state.redaction.changed_since_render ? " — decisions changed since: render again" : "");
    const player = document.getElementById("rendered");
    player.src = api + "/video?revision=" + state.redaction.rendered_revision;
    player.hidden = false;
    progress.value = 1;
  }
  async function pollRender() {
    const status = await call("GET", "/render");
    progress.value = status.progress;
    if (status.status === "rendering") {
      say("Rendering… " + Math.round(status.progress * 100) + "%");
      setTimeout(pollRender, 1000);
      return;
    }
    if (status.error) { say(status.error); return; }
    state.redaction = await call("GET", "");
    root.dataset.status = state.redaction.status;
    showRendered();
    say("Rendered: revision " + status.rendered_revision + ".");
  }
  document.getElementById("render").addEventListener("click", async () => {
    try {
      await call("POST", "/render");
      progress.value = 0;
      pollRender();
    } catch (error) { say("Not rendered: " + error.message); }
  });

  document.getElementById("preview").addEventListener("change", drawBoxes);
  video.addEventListener("seeked", drawBoxes);
  video.addEventListener("timeupdate", drawBoxes);
  window.addEventListener("resize", drawBoxes);
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(tick);
  load().catch((error) => say("The redaction could not be loaded: " + error.message));
})();
