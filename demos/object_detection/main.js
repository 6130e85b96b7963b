// Live object detection: NanoDet finds the people, cups, chairs, cats… in every camera frame,
// and we draw their boxes, names and scores over the video at the size it is displayed.
//
//   page (this file)                          inference worker (detect.js)
//   camera frame, squashed to 416 × 416    -> NanoDet: 3 grids of class scores and box sides
//   (ImageBitmap)                             -> decode -> threshold -> non-maximum suppression
//   boxes back in the frame's pixels       <- [{box: [y1, x1, y2, x2] in 0..1, score, classIndex}]
//   -> names, colours, counts, drawing
import { demo, showError } from '/static/demo_state.js';
import { prepareOverlay, viewTransform } from '/static/draw.js';
import { FrameLoop } from '/static/frame_loop.js';
import { FrameSource } from '/static/frame_source.js';
import { startLiveInference } from '/static/inference.js';
import { ModelSwitcher, fillModelChoices } from '/static/model_choice.js';
import { describeLoad, fetchArtifacts, fetchManifest, loadLabels } from '/static/models.js';
import { Stats } from '/static/stats.js';
import * as ui from './ui.js';

const { $ } = ui;

// A still image gets one pass: this detector keeps no history between frames.
const IMAGE_PASSES = 1;
const COUNTS_REDRAW_MS = 250;
const COLOURS = ['#32ff7e', '#ffd166', '#ef476f', '#2ec4f6', '#c77dff', '#ff9f1c', '#06d6a0', '#f8f9fa'];

const stats = new Stats();
const settings = ui.initialSettings();
const state = { manifest: null, labels: null, detections: [], countsDrawnAt: 0 };
let inference = null; // where the model runs (inference.js)
let inferenceStarted = null; // ...as a promise, while it starts (see main)

// The same class always gets the same colour.
function colourOf(label) {
  return COLOURS[state.labels.indexOf(label) % COLOURS.length];
}

// The whole frame squashed to the model's input: NanoDet-m was trained on squashed pictures
// (its config: keep_ratio false), so a box comes back in fractions of the whole frame.
function capture({ width, height }) {
  const [, , inputHeight, inputWidth] = state.manifest.input.shape;
  return { sx: 0, sy: 0, sw: width, sh: height, width: inputWidth, height: inputHeight };
}

function options() {
  const index = state.labels.indexOf(settings.className);
  return {
    scoreThreshold: settings.scoreThreshold,
    maxBoxes: settings.maxBoxes,
    iouThreshold: settings.iouThreshold,
    classes: index >= 0 ? [index] : null,
  };
}

const source = new FrameSource({
  onChange: () => {
    state.detections = [];
    loop.restart();
  },
  onStop: () => loop.stop(),
  onMirror: () => render({ forceCounts: true }),
});
const loop = new FrameLoop({
  source,
  capture,
  infer: (bitmap) => inference.run(bitmap, options()),
  draw: ({ result }, frame) => {
    // Fractions of the frame -> the frame's own pixels, the unit the page reports.
    state.detections = result.detections.map(({ box: [y1, x1, y2, x2], score, classIndex, cut }) => ({
      label: state.labels[classIndex], score, cut,
      box: { x: x1 * frame.width, y: y1 * frame.height, width: (x2 - x1) * frame.width, height: (y2 - y1) * frame.height },
    }));
    state.candidates = result.candidates;
    render({ forceCounts: frame.still });
  },
  stats,
  stillPasses: IMAGE_PASSES,
  onError: showError,
});

function drawBox(ctx, { label, score, box }, toView) {
  const a = toView({ x: box.x, y: box.y });
  const b = toView({ x: box.x + box.width, y: box.y + box.height });
  const left = Math.min(a.x, b.x);
  const top = a.y;
  const colour = colourOf(label);
  ctx.lineWidth = 3;
  ctx.strokeStyle = colour;
  ctx.strokeRect(left, top, Math.abs(b.x - a.x), b.y - a.y);
  const text = `${label} ${score.toFixed(2)}`;
  ctx.font = '600 14px system-ui, sans-serif';
  const w = ctx.measureText(text).width + 8;
  const y = Math.max(0, top - 20);
  ctx.fillStyle = colour;
  ctx.fillRect(left - 1.5, y, w, 20);
  ctx.fillStyle = '#1f2933';
  ctx.fillText(text, left + 3, y + 15);
  return { label, x: left, y: top, width: Math.abs(b.x - a.x), height: b.y - a.y };
}

// Draw the last boxes that pass the current settings, and publish them on window.__demo.
function render({ forceCounts = false } = {}) {
  const size = source.size();
  if (!size || !state.labels) return;
  const view = prepareOverlay($('overlay'));
  const toView = viewTransform({
    sourceWidth: size.width, sourceHeight: size.height, viewWidth: view.width, viewHeight: view.height, mirrored: source.mirrored,
  });
  // The worker applied the settings of the frame it was sent; a slider moved since then
  // applies at once to what is drawn.
  const shown = state.detections
    .filter((d) => d.score >= settings.scoreThreshold && (!settings.className || d.label === settings.className))
    .slice(0, settings.maxBoxes);
  const drawn = shown.map((d) => drawBox(view.ctx, d, toView));
  // Reported: boxes in frame pixels, never mirrored. Drawn: where they landed on the overlay.
  demo.result = { width: size.width, height: size.height, detections: shown, candidates: state.candidates };
  demo.drawn = { width: view.width, height: view.height, mirrored: source.mirrored, boxes: drawn };
  const now = performance.now();
  if (forceCounts || now - state.countsDrawnAt > COUNTS_REDRAW_MS) {
    state.countsDrawnAt = now;
    ui.renderCounts(shown, settings, colourOf);
  }
}

async function useModel(id) {
  demo.ready = false;
  ui.setModelInfo(`Loading ${id}…`);
  const manifest = await fetchManifest(id);
  const [loaded, labels] = await Promise.all([fetchArtifacts(manifest), loadLabels(manifest)]);
  if (labels?.length !== manifest.detection?.classes) {
    throw new Error(`"${id}" has ${labels?.length ?? 0} labels for ${manifest.detection?.classes} classes: pull it again.`);
  }
  await inferenceStarted; // the worker started while the files were read
  await loop.stop();
  Object.assign(state, { manifest, detections: [] });
  const { warmupMs } = await inference.load({ manifest, artifacts: loaded.artifacts });
  if (!state.labels) {
    state.labels = labels;
    ui.bindControls(settings, labels, {
      settingsChanged: () => render({ forceCounts: true }),
      pauseToggled: (paused) => loop.setPaused(paused).catch(showError),
    });
  }
  demo.model = id;
  demo.result = null;
  demo.timings = { loadMs: loaded.ms, loadSource: loaded.source, warmupMs };
  stats.setNote(describeLoad(loaded));
  ui.describeModel(manifest, loaded.ms, warmupMs);
  stats.reset();
  demo.ready = true;
  loop.start();
}

async function main() {
  const switcher = new ModelSwitcher({ select: $('model'), use: useModel, onError: showError });
  // Start-up, overlapped: the worker loads TF.js and its backend (the slow part) while the
  // page lists the models, opens the camera and reads the first model's files (useModel).
  inferenceStarted = startLiveInference({ task: new URL('./detect.js', import.meta.url), loop, stats, switcher }).then((started) => {
    inference = started;
  });
  const modelId = await fillModelChoices($('model'), { task: 'object-detection', wanted: settings.model });
  new ResizeObserver(() => render({ forceCounts: true })).observe($('stage'));
  await source.start();
  await switcher.switchTo(modelId);
}

main().catch(showError);
