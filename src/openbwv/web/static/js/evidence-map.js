// openbwv maps: the dot that follows the video along a GPS track, and drawing a search area on
// the borough map (mouse or keyboard), as corners or as a rectangle from two opposite corners.
// The projection mirrors openbwv.web.maps.project.
"use strict";

(function () {
  function projection(svg) {
    const [minLon, minLat, maxLon, maxLat] = svg.dataset.bbox.split(",").map(Number);
    const width = Number(svg.dataset.width);
    const height = Number(svg.dataset.height);
    const squeeze = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
    const spanX = Math.max((maxLon - minLon) * squeeze, 1e-12);
    const spanY = Math.max(maxLat - minLat, 1e-12);
    const scale = Math.min(width / spanX, height / spanY);
    const offsetX = (width - spanX * scale) / 2;
    const offsetY = (height - spanY * scale) / 2;
    return {
      xy: (lon, lat) => [offsetX + (lon - minLon) * squeeze * scale, offsetY + (maxLat - lat) * scale],
      lonlat: (x, y) => [minLon + (x - offsetX) / (squeeze * scale), maxLat - (y - offsetY) / scale],
      width,
      height,
    };
  }

  // --- The track's dot, moved by the player's time (see player.js: the "bwv:time" event).
  const trackMap = document.getElementById("track-map");
  if (trackMap) {
    const fixes = JSON.parse(trackMap.dataset.track || "[]");
    const dot = document.getElementById("track-dot");
    document.addEventListener("bwv:time", (event) => {
      if (!fixes.length) return;
      const time = event.detail.time;
      let x = fixes[0][1];
      let y = fixes[0][2];
      for (let i = 0; i < fixes.length; i += 1) {
        const [t, fx, fy] = fixes[i];
        if (t >= time) {
          if (i > 0) {
            const [t0, x0, y0] = fixes[i - 1];
            const share = t === t0 ? 1 : (time - t0) / (t - t0);
            x = x0 + (fx - x0) * share;
            y = y0 + (fy - y0) * share;
          } else {
            x = fx;
            y = fy;
          }
          break;
        }
        x = fx;
        y = fy;
      }
      dot.setAttribute("cx", x.toFixed(3));
      dot.setAttribute("cy", y.toFixed(3));
    });
  }

  // --- Drawing a search area.
  const areaMap = document.getElementById("area-map");
  if (!areaMap) return;
  const map = projection(areaMap);
  const field = document.getElementById("f-area");
  const shape = document.getElementById("area-shape");
  const corners = document.getElementById("area-corners");
  const cursor = document.getElementById("area-cursor");
  let cursorAt = [map.width / 2, map.height / 2];
  let points = [];

  function parse(text) {
    return text
      .split(/[;\n]/)
      .map((part) => part.trim().split(/[ ,]+/).filter(Boolean).map(Number))
      .filter((pair) => pair.length === 2 && pair.every(Number.isFinite));
  }

  function draw() {
    const projected = points.map(([lon, lat]) => map.xy(lon, lat));
    shape.setAttribute("points", projected.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
    corners.replaceChildren(
      ...projected.map(([x, y]) => {
        const circle = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        circle.setAttribute("cx", x.toFixed(1));
        circle.setAttribute("cy", y.toFixed(1));
        circle.setAttribute("r", "4");
        circle.setAttribute("class", "area-corner");
        return circle;
      }),
    );
  }

  function write() {
    field.value = points.map(([lon, lat]) => `${lon.toFixed(5)},${lat.toFixed(5)}`).join("; ");
    draw();
  }

  const rectangleMode = document.getElementById("draw-rectangle");
  let rectangleStart = null; // the first corner of a rectangle being drawn

  function addCorner(x, y) {
    const point = map.lonlat(x, y);
    if (rectangleMode && rectangleMode.checked) {
      if (rectangleStart === null) {
        rectangleStart = point;
        points = [point];
      } else {
        const [[lon0, lat0], [lon1, lat1]] = [rectangleStart, point];
        points = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]];
        rectangleStart = null;
      }
    } else {
      points.push(point);
    }
    write();
  }

  function moveCursor() {
    cursor.setAttribute("transform", `translate(${cursorAt[0].toFixed(1)} ${cursorAt[1].toFixed(1)})`);
  }

  areaMap.addEventListener("click", (event) => {
    const matrix = areaMap.getScreenCTM();
    if (!matrix) return;
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    cursorAt = [point.x, point.y];
    moveCursor();
    addCorner(point.x, point.y);
  });

  areaMap.addEventListener("keydown", (event) => {
    const stepSize = event.shiftKey ? 2 : 10;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[event.key]) {
      const [dx, dy] = moves[event.key];
      cursorAt = [
        Math.min(map.width, Math.max(0, cursorAt[0] + dx * stepSize)),
        Math.min(map.height, Math.max(0, cursorAt[1] + dy * stepSize)),
      ];
      moveCursor();
    } else if (event.key === "Enter" || event.key === " ") {
      addCorner(cursorAt[0], cursorAt[1]);
    } else if (event.key === "Backspace") {
      points.pop();
      write();
    } else {
      return;
    }
    event.preventDefault();
  });

  document.getElementById("area-undo").addEventListener("click", () => {
    points.pop();
    write();
  });
  document.getElementById("area-clear").addEventListener("click", () => {
    points = [];
    rectangleStart = null;
    write();
  });
  document.querySelectorAll('input[name="draw"]').forEach((radio) =>
    radio.addEventListener("change", () => {
      rectangleStart = null;
    }),
  );
  field.addEventListener("change", () => {
    points = parse(field.value);
    draw();
  });

  points = parse(field.value);
  draw();
  moveCursor();
})();
