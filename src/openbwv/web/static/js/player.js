// openbwv evidence page: the player (keyboard shortcuts, frame step, speed), the thumbnail strip,
// the marker timeline, and "use the current time" for new markers. No inline scripts (CSP).
"use strict";

(function () {
  const status = document.getElementById("page-status");
  function announce(text) {
    if (status) status.textContent = text;
  }

  const player = document.getElementById("player");
  const video = document.getElementById("video");
  if (!player || !video) return;

  const frameRate = parseFloat(player.dataset.frameRate) || 25;
  const speedSelect = document.getElementById("speed");
  const speeds = Array.from(speedSelect.options, (option) => parseFloat(option.value));
  const position = document.getElementById("position");
  const clock = document.getElementById("clock");
  const playButton = document.getElementById("play-toggle");
  const muteButton = document.getElementById("mute-toggle");
  let dragging = false;

  function duration() {
    return Number.isFinite(video.duration) ? video.duration : parseFloat(player.dataset.duration) || 0;
  }

  function format(seconds) {
    const whole = Math.max(0, seconds);
    const minutes = Math.floor(whole / 60);
    const rest = (whole - minutes * 60).toFixed(1).padStart(4, "0");
    return `${minutes}:${rest}`;
  }

  function seek(seconds) {
    const end = duration();
    video.currentTime = Math.max(0, end ? Math.min(end, seconds) : seconds);
  }

  function toggle() {
    if (video.paused || video.ended) {
      video.play().catch((error) => announce(`The video cannot play: ${error.message}`));
    } else {
      video.pause();
    }
  }

  function step(frames) {
    if (!video.paused) {
      video.pause();
      return;
    }
    seek(video.currentTime + frames / frameRate);
  }

  function setSpeed(rate) {
    video.playbackRate = rate;
    speedSelect.value = String(rate);
    announce(`Speed ${rate}×`);
  }

  function changeSpeed(direction) {
    const index = speeds.indexOf(video.playbackRate);
    const next = speeds[Math.min(speeds.length - 1, Math.max(0, (index < 0 ? 2 : index) + direction))];
    setSpeed(next);
  }

  function toggleMute() {
    video.muted = !video.muted;
    muteButton.setAttribute("aria-pressed", String(video.muted));
    muteButton.textContent = video.muted ? "Unmute" : "Mute";
  }

  const actions = {
    toggle,
    back10: () => seek(video.currentTime - 10),
    fwd10: () => seek(video.currentTime + 10),
    back5: () => seek(video.currentTime - 5),
    fwd5: () => seek(video.currentTime + 5),
    "frame-back": () => {
      video.pause();
      seek(video.currentTime - 1 / frameRate);
    },
    "frame-fwd": () => {
      video.pause();
      seek(video.currentTime + 1 / frameRate);
    },
    mute: toggleMute,
  };

  player.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (button && actions[button.dataset.action]) actions[button.dataset.action]();
  });
  video.addEventListener("click", toggle);

  const keys = {
    " ": toggle,
    k: toggle,
    K: toggle,
    j: actions.back10,
    J: actions.back10,
    l: actions.fwd10,
    L: actions.fwd10,
    ArrowLeft: actions.back5,
    ArrowRight: actions.fwd5,
    ",": () => step(-1),
    ".": () => step(1),
    "<": () => changeSpeed(-1),
    ">": () => changeSpeed(1),
    m: toggleMute,
    M: toggleMute,
  };

  // Shortcuts work while the video or one of its controls has focus (WCAG 2.1.4: single-key
  // shortcuts only where the component is focused). Form fields keep their own keys, and a
  // focused button keeps Space and Enter.
  player.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, select, textarea")) return;
    if (target.closest("button") && (event.key === " " || event.key === "Enter")) return;
    const handler = keys[event.key];
    if (!handler) return;
    event.preventDefault();
    handler();
  });

  speedSelect.addEventListener("change", () => setSpeed(parseFloat(speedSelect.value)));
  position.addEventListener("input", () => {
    dragging = true;
    seek(parseFloat(position.value));
  });
  position.addEventListener("change", () => {
    dragging = false;
  });

  function showTime() {
    const now = video.currentTime;
    if (!dragging) position.value = String(now);
    position.setAttribute("aria-valuetext", `${format(now)} of ${format(duration())}`);
    clock.textContent = `${format(now)} / ${format(duration())}`;
    const playhead = document.getElementById("timeline-playhead");
    if (playhead && duration()) {
      const x = ((1000 * now) / duration()).toFixed(1);
      playhead.setAttribute("x1", x);
      playhead.setAttribute("x2", x);
    }
    document.dispatchEvent(new CustomEvent("bwv:time", { detail: { time: now } }));
  }

  video.addEventListener("timeupdate", showTime);
  video.addEventListener("seeked", showTime);
  // ?t=SECONDS (a search hit in a transcript) starts the video there.
  const startAt = parseFloat(new URLSearchParams(window.location.search).get("t"));
  video.addEventListener("loadedmetadata", () => {
    position.max = String(duration());
    if (Number.isFinite(startAt) && startAt > 0) seek(startAt);
    showTime();
  });
  video.addEventListener("play", () => {
    playButton.textContent = "Pause";
  });
  video.addEventListener("pause", () => {
    playButton.textContent = "Play";
  });

  // Anything with data-seek (strip tiles, marker buttons, timeline markers) moves the video.
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-seek]");
    if (target) {
      event.preventDefault();
      seek(parseFloat(target.dataset.seek));
      announce(`Moved to ${format(parseFloat(target.dataset.seek))}`);
      return;
    }
    const track = event.target.closest("[data-seek-fraction]");
    if (track) {
      const box = track.getBoundingClientRect();
      seek(((event.clientX - box.left) / box.width) * duration());
      return;
    }
    if (event.target.closest("#marker-now")) {
      const field = document.getElementById("marker-offset");
      if (field) field.value = video.currentTime.toFixed(1);
    }
  });

  // The strip is one image of tiles side by side: loaded once, painted into each tile's canvas.
  const strip = document.getElementById("strip");
  if (strip) {
    const sheet = new Image();
    const width = parseInt(strip.dataset.tileWidth, 10);
    const height = parseInt(strip.dataset.tileHeight, 10);
    sheet.addEventListener("load", () => {
      strip.querySelectorAll("canvas").forEach((canvas, index) => {
        canvas.getContext("2d").drawImage(sheet, index * width, 0, width, height, 0, 0, width, height);
      });
      strip.classList.add("loaded");
    });
    sheet.src = strip.dataset.src;
  }
})();
