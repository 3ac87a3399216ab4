// openbwv case timeline: one master clock plays every linked recording at its offset. Videos
// that have not started yet wait at their first frame; finished ones rest on their last.
// The clock counts real seconds from the timeline's start (London times stay right), but idle
// gaps between the timeline's segments are drawn compressed and jumped over when playing.
"use strict";

(function () {
  const root = document.getElementById("sync");
  if (!root) return;
  const span = parseFloat(root.dataset.span) || 0;
  const startMs = parseInt(root.dataset.startMs, 10);
  const toggleButton = document.getElementById("sync-toggle");
  const position = document.getElementById("sync-position");
  const clock = document.getElementById("sync-clock");
  const speedSelect = document.getElementById("sync-speed");
  const playhead = document.getElementById("sync-playhead");
  const clips = Array.from(root.querySelectorAll(".sync-video"), (figure) => ({
    figure,
    video: figure.querySelector("video"),
    offset: parseFloat(figure.dataset.offset),
    length: parseFloat(figure.dataset.length),
    state: figure.querySelector(".sync-state"),
  }));
  // "begin,end,x,xEnd;…": the busy stretches of the axis, in real seconds and in axis units.
  const segments = (root.dataset.segments || "")
    .split(";")
    .filter(Boolean)
    .map((text) => {
      const [begin, end, x, xEnd] = text.split(",").map(parseFloat);
      return { begin, end, x, xEnd };
    });
  if (!segments.length) segments.push({ begin: 0, end: span, x: 0, xEnd: 1000 });
  const DRIFT = 0.3; // seconds a playing video may drift before it is put back in step

  let playing = false;
  let base = 0; // clock time (seconds from the timeline's start) when last (re)started
  let wallBase = 0;
  let rate = 1;
  let frame = 0;

  function now() {
    return playing ? base + ((performance.now() - wallBase) / 1000) * rate : base;
  }

  // The segment after the gap `seconds` falls in (null when it is not in a gap).
  function gapEnd(seconds) {
    for (let i = 0; i + 1 < segments.length; i += 1) {
      if (seconds > segments[i].end && seconds < segments[i + 1].begin) return segments[i + 1];
    }
    return null;
  }

  // A time in a gap moves to the gap's edge: its end going forward, its start going back.
  function snap(seconds, backwards) {
    const after = gapEnd(seconds);
    if (!after) return seconds;
    const index = segments.indexOf(after);
    return backwards ? segments[index - 1].end : after.begin;
  }

  function xOf(seconds) {
    for (let i = 0; i < segments.length; i += 1) {
      const s = segments[i];
      const next = segments[i + 1];
      if (seconds <= s.end || !next) {
        const fraction = Math.min(1, Math.max(0, (seconds - s.begin) / Math.max(s.end - s.begin, 1e-9)));
        return s.x + fraction * (s.xEnd - s.x);
      }
      if (seconds < next.begin) {
        return s.xEnd + ((seconds - s.end) / (next.begin - s.end)) * (next.x - s.xEnd);
      }
    }
    return 1000;
  }

  function timeOf(x) {
    for (let i = 0; i < segments.length; i += 1) {
      const s = segments[i];
      const next = segments[i + 1];
      if (x <= s.xEnd || !next) {
        const fraction = Math.min(1, Math.max(0, (x - s.x) / Math.max(s.xEnd - s.x, 1e-9)));
        return s.begin + fraction * (s.end - s.begin);
      }
      if (x < next.x) return next.begin; // a position in a gap: the next recording
    }
    return span;
  }

  function setClock(seconds, backwards = false) {
    base = snap(Math.max(0, Math.min(span, seconds)), backwards);
    wallBase = performance.now();
    update();
  }

  function londonTime(seconds) {
    return new Date(startMs + seconds * 1000).toLocaleTimeString("en-GB", { timeZone: "Europe/London" });
  }

  function syncClip(clip, time) {
    const { video } = clip;
    if (!video) return;
    const local = time - clip.offset;
    const length = Number.isFinite(video.duration) ? video.duration : clip.length;
    let label = "";
    if (local < 0) {
      if (!video.paused) video.pause();
      if (video.currentTime !== 0) video.currentTime = 0;
      label = "waiting";
    } else if (local >= length) {
      if (!video.paused) video.pause();
      label = "finished";
    } else if (playing) {
      video.playbackRate = rate;
      if (video.paused) {
        video.currentTime = local;
        video.play().catch(() => {});
      } else if (Math.abs(video.currentTime - local) > DRIFT) {
        video.currentTime = local;
      }
      label = "playing";
    } else {
      if (!video.paused) video.pause();
      if (Math.abs(video.currentTime - local) > 0.05) video.currentTime = local;
      label = "paused";
    }
    clip.figure.dataset.state = label;
    if (clip.state) clip.state.textContent = ` (${label})`;
  }

  function update() {
    let time = now();
    const after = playing ? gapEnd(time) : null;
    if (after) {
      // Nothing was recorded here: jump to the next recording instead of playing nothing.
      base = after.begin;
      wallBase = performance.now();
      time = base;
      root.dataset.skipped = String((parseInt(root.dataset.skipped || "0", 10) || 0) + 1);
    }
    if (time >= span && playing) {
      playing = false;
      base = span;
      time = span;
      toggleButton.textContent = "Play all";
    }
    clips.forEach((clip) => syncClip(clip, time));
    position.value = xOf(time).toFixed(1);
    position.setAttribute("aria-valuetext", londonTime(time));
    clock.textContent = londonTime(time);
    root.dataset.clock = time.toFixed(2);
    const x = xOf(time).toFixed(1);
    playhead.setAttribute("x1", x);
    playhead.setAttribute("x2", x);
  }

  function loop() {
    update();
    if (playing) frame = requestAnimationFrame(loop);
  }

  function play() {
    if (now() >= span) base = 0;
    playing = true;
    wallBase = performance.now();
    toggleButton.textContent = "Pause all";
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(loop);
  }

  function pause() {
    base = now();
    playing = false;
    cancelAnimationFrame(frame);
    toggleButton.textContent = "Play all";
    update();
  }

  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]");
    if (action) {
      const kind = action.dataset.action;
      if (kind === "toggle") (playing ? pause : play)();
      if (kind === "back10") setClock(now() - 10, true);
      if (kind === "fwd10") setClock(now() + 10);
      return;
    }
    const goto = event.target.closest("[data-goto]");
    if (goto) setClock(parseFloat(goto.dataset.goto));
  });
  position.addEventListener("input", () => setClock(timeOf(parseFloat(position.value))));
  speedSelect.addEventListener("change", () => {
    base = now();
    wallBase = performance.now();
    rate = parseFloat(speedSelect.value);
    update();
  });
  update();
})();
