// Small canvas charts for the lessons: a line chart (loss per epoch) and a scatter plot with a
// fitted line. A charting library would hide the few lines that draw a chart; these stay short.

import { prepareOverlay as prepare } from './draw.js';

const PAD = { left: 48, right: 12, top: 12, bottom: 32 };
// The labels' font. The first text a canvas draws in it looks the font up: one main-thread task
// of 85-280 ms in demos/teach's first training (headless Chromium, a busy 2-core machine), so
// that page pays it at start-up (warmUpFont).
const FONT = '11px system-ui, sans-serif';

// Round tick values (1, 2 or 5 times a power of ten) inside [min, max].
function niceTicks(min, max, count = 5) {
  const raw = (max - min) / (count - 1 || 1) || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(v);
  return ticks;
}

function axes(ctx, width, height, x, y, labels) {
  ctx.strokeStyle = '#9aa4b2';
  ctx.fillStyle = '#4a5568';
  ctx.font = FONT;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(PAD.left, PAD.top);
  ctx.lineTo(PAD.left, height - PAD.bottom);
  ctx.lineTo(width - PAD.right, height - PAD.bottom);
  ctx.stroke();
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yTicks = y.log ? niceTicks(Math.ceil(y.min), Math.floor(y.max)).filter(Number.isInteger) : niceTicks(y.min, y.max);
  for (const v of yTicks) ctx.fillText(y.log ? `1e${v}` : format(v), PAD.left - 6, y.map(v));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of niceTicks(x.min, x.max)) ctx.fillText(format(v), x.map(v), height - PAD.bottom + 6);
  ctx.fillText(labels.x ?? '', (PAD.left + width - PAD.right) / 2, height - 14);
  ctx.save();
  ctx.translate(12, (PAD.top + height - PAD.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(labels.y ?? '', 0, -6);
  ctx.restore();
}

// Draw the digits and letters of the labels once, out of sight on `canvas`, so that the first
// real chart does not pay for the font lookup (a page that charts while it trains).
export function warmUpFont(canvas) {
  const ctx = canvas.getContext('2d');
  ctx.font = FONT;
  ctx.fillText('0123456789.-e abcdefghijklmnopqrstuvwxyz', -1000, -1000);
}

function format(v) {
  if (Number.isInteger(Math.round(v * 1e9) / 1e9)) return String(Math.round(v));
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}

function scale(min, max, from, to) {
  const span = max - min || 1;
  return { min, max, map: (v) => from + ((v - min) / span) * (to - from) };
}

// series: [{points: [[x, y], ...], color, dots}];
// options: {xLabel, yLabel, xMin, xMax, yMin, yMax, logY}. With logY (for losses, which
// shrink by orders of magnitude) y is drawn as log10(y).
export function lineChart(canvas, series, options = {}) {
  const { ctx, width, height } = prepare(canvas);
  if (options.logY) {
    series = series.map((s) => ({ ...s, points: s.points.filter((p) => p[1] > 0).map(([px, py]) => [px, Math.log10(py)]) }));
  }
  const all = series.flatMap((s) => s.points);
  if (!all.length) return;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x = scale(options.xMin ?? Math.min(...xs), options.xMax ?? Math.max(...xs), PAD.left, width - PAD.right);
  const yMin = options.logY ? Math.floor(Math.min(...ys)) : options.yMin ?? Math.min(0, ...ys);
  const yMax = options.logY ? Math.ceil(Math.max(...ys)) : options.yMax ?? Math.max(...ys);
  const y = { ...scale(yMin, yMax, height - PAD.bottom, PAD.top), log: Boolean(options.logY) };
  axes(ctx, width, height, x, y, { x: options.xLabel, y: options.yLabel });
  for (const s of series) {
    ctx.strokeStyle = s.color ?? '#e8710a';
    ctx.fillStyle = s.color ?? '#e8710a';
    ctx.lineWidth = 2;
    if (s.dots) {
      for (const [px, py] of s.points) {
        ctx.beginPath();
        ctx.arc(x.map(px), y.map(py), 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    } else {
      ctx.beginPath();
      s.points.forEach(([px, py], i) => (i ? ctx.lineTo(x.map(px), y.map(py)) : ctx.moveTo(x.map(px), y.map(py))));
      ctx.stroke();
    }
  }
}
