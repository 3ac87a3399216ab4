// openbwv case timeline: one master clock plays every linked recording at its offset. Videos
// that have not started yet wait at their first frame; finished ones rest on their last.
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
  const DRIFT = 0.3; // seconds a playing video may drift before it is put back in step

  let playing = false;
  let base = 0; // clock time (seconds from the timeline's start) when last (re)started
  let wallBase = 0;
  let rate = 1;
  let frame = 0;

  function now() {
    return playing ? base + ((performance.now() - wallBase) / 1000) * rate : base;
  }

  function setClock(seconds) {
    base = Math.max(0, Math.min(span, seconds));
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
    if (time >= span && playing) {
      playing = false;
      base = span;
      time = span;
      toggleButton.textContent = "Play all";
    }
    clips.forEach((clip) => syncClip(clip, time));
    position.value = String(time);
    position.setAttribute("aria-valuetext", londonTime(time));
    clock.textContent = londonTime(time);
    root.dataset.clock = time.toFixed(2);
    const x = span ? ((1000 * time) / span).toFixed(1) : "0";
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
      if (kind === "back10") setClock(now() - 10);
      if (kind === "fwd10") setClock(now() + 10);
      return;
    }
    const goto = event.target.closest("[data-goto]");
    if (goto) setClock(parseFloat(goto.dataset.goto));
  });
  position.addEventListener("input", () => setClock(parseFloat(position.value)));
  speedSelect.addEventListener("change", () => {
    base = now();
    wallBase = performance.now();
    rate = parseFloat(speedSelect.value);
    update();
  });
  update();
})();
