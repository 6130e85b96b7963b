// Live face mesh: a detector finds each face, a mesh model puts 468 points on it (478 with the
// irises), and the page reads simple signals from the points and draws them over the video.
//
//   page (this file)                         inference worker (faces.js)
//   camera frame, longer side at most     -> face-landmarks-detection: BlazeFace finds faces,
//   640 px (ImageBitmap)                     each face's crop -> 192×192 -> mesh model
//   faces in the frame's pixels          <- [{box, keypoints: Float32Array [x, y, z, ...]}]
//   -> signals (face_signals.js) -> mesh, irises and box over the video
//
// This file builds the frame loop, reads the signals and draws; faces.js holds the models.
import { demo, showError } from '/static/demo_state.js';
import { prepareOverlay, viewTransform } from '/static/draw.js';
import { FrameLoop, scaledFrame } from '/static/frame_loop.js';
import { FrameSource } from '/static/frame_source.js';
import { startLiveInference } from '/static/inference.js';
import { ModelSwitcher, fillModelChoices } from '/static/model_choice.js';
import { describeLoad, fetchArtifacts, fetchManifest } from '/static/models.js';
import { params } from '/static/params.js';
import { Stats } from '/static/stats.js';
import { faceSignals, referencePoints } from './face_signals.js';
import * as ui from './ui.js';

const { $ } = ui;

// The detector sees the frame at 128×128 and the mesh a 192×192 crop of each face: a frame
// whose longer side is 640 px still gives a face filling a third of it about 200 px of detail.
// ?captureSide= changes it.
const CAPTURE_SIDE = Number.parseFloat(params.get('captureSide') ?? '640');

// A photo is analysed twice: the first pass finds the faces with the detector, the second
// refines each crop from the first pass's mesh (eyes level, the whole face inside).
const IMAGE_PASSES = 2;

const DEFAULT_FRAME = { width: 640, height: 480 };
const FACE_COLORS = ['#32ff7e', '#ffd166', '#ef476f', '#c77dff'];
const LIST_REDRAW_MS = 250;

const stats = new Stats();
const settings = ui.initialSettings();
const state = {
  ready: false,
  edges: null, // [[i, j], ...]: the mesh's edges, from the library's triangulation
  irises: null, // {left: [...], right: [...]}: iris indices, 478-point model only
  faces: [], // the last answer, in frame pixels
  blinks: [], // per face slot: {closed, count}
  newPicture: true,
  listDrawnAt: 0,
};
let inference = null; // where the model runs (inference.js)
let inferenceStarted = null; // ...as a promise, while it starts (see main)

function capture(size) {
  return scaledFrame(size, CAPTURE_SIDE > 0 ? CAPTURE_SIDE : Infinity);
}

// Points come back in the captured bitmap's pixels; the page reports them in the frame's.
function inFramePixels(faces, { crop, width, height }) {
  const sx = width / crop.width;
  const sy = height / crop.height;
  return faces.map(({ box, keypoints }) => {
    const points = new Float32Array(keypoints.length);
    for (let i = 0; i < keypoints.length; i += 3) {
      points[i] = keypoints[i] * sx;
      points[i + 1] = keypoints[i + 1] * sy;
      points[i + 2] = keypoints[i + 2];
    }
    return { box: { x: box.xMin * sx, y: box.yMin * sy, width: box.width * sx, height: box.height * sy }, points };
  });
}

async function infer(bitmap) {
  const reset = state.newPicture;
  state.newPicture = false;
  return inference.run(bitmap, { reset, still: source.kind === 'image' });
}

const source = new FrameSource({
  onChange: () => {
    state.newPicture = true;
    state.faces = [];
    state.blinks = [];
    render({ forceList: true }); // no stale drawing while the new picture is analysed
    loop.restart();
  },
  onStop: () => loop.stop(),
  onMirror: () => render({ forceList: true }),
});
const loop = new FrameLoop({
  source,
  capture,
  infer,
  draw: ({ result }, frame) => {
    state.faces = inFramePixels(result.faces, frame);
    countBlinks();
    render({ forceList: frame.still });
  },
  stats,
  stillPasses: IMAGE_PASSES,
  onError: showError,
});

// A blink: both eyes closed on one frame, open again on a later one (live video only).
// Faces are matched to slots by their order, which the library keeps while it follows them.
function countBlinks() {
  state.faces.forEach((face, i) => {
    const slot = state.blinks[i] ?? (state.blinks[i] = { closed: false, count: 0 });
    const closed = faceSignals(face.points, settings).eyesClosed;
    if (slot.closed && !closed && source.live) slot.count += 1;
    slot.closed = closed;
  });
  state.blinks.length = state.faces.length;
}

function drawMesh(ctx, points, toView, color) {
  ctx.strokeStyle = color;
  ctx.globalAlpha = 0.45;
  ctx.lineWidth = 0.6;
  ctx.beginPath();
  const at = (i) => toView({ x: points[i * 3], y: points[i * 3 + 1] });
  for (const [a, b] of state.edges) {
    const p = at(a);
    const q = at(b);
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(q.x, q.y);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
}

// An iris: its centre and the circle through its four contour points.
function drawIris(ctx, points, indices, toView) {
  const ring = indices.map((i) => toView({ x: points[i * 3], y: points[i * 3 + 1] }));
  const cx = ring.reduce((s, p) => s + p.x, 0) / ring.length;
  const cy = ring.reduce((s, p) => s + p.y, 0) / ring.length;
  const r = ring.reduce((s, p) => s + Math.hypot(p.x - cx, p.y - cy), 0) / ring.length;
  ctx.strokeStyle = '#ffd166';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.arc(cx, cy, Math.max(r, 1.5), 0, 2 * Math.PI);
  ctx.stroke();
  return { x: cx, y: cy, r };
}

// Draw the last faces with the current settings, and publish them on window.__demo.
function render({ forceList = false } = {}) {
  const size = source.size();
  if (!size || !state.edges) return;
  const { width, height } = size;
  const view = prepareOverlay($('overlay'));
  const toView = viewTransform({
    sourceWidth: width, sourceHeight: height, viewWidth: view.width, viewHeight: view.height, mirrored: source.mirrored,
  });
  const faces = state.faces.map((face, i) => {
    const color = FACE_COLORS[i % FACE_COLORS.length];
    const { ctx } = view;
    if (settings.mesh) drawMesh(ctx, face.points, toView, color);
    const corners = [toView({ x: face.box.x, y: face.box.y }), toView({ x: face.box.x + face.box.width, y: face.box.y + face.box.height })];
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(Math.min(corners[0].x, corners[1].x), corners[0].y, Math.abs(corners[1].x - corners[0].x), corners[1].y - corners[0].y);
    const count = face.points.length / 3;
    const irises = state.irises && count > 468
      ? { right: drawIris(ctx, face.points, state.irises.right, toView), left: drawIris(ctx, face.points, state.irises.left, toView) }
      : null;
    return {
      box: face.box,
      landmarks: count,
      points: referencePoints(face.points),
      irises: irises && { right: irisCentre(face.points, state.irises.right), left: irisCentre(face.points, state.irises.left) },
      signals: faceSignals(face.points, settings),
      blinks: state.blinks[i]?.count ?? 0,
    };
  });

  // Reported: frame pixels, never mirrored (the mirror is a matter of display).
  demo.result = { width, height, faces };
  const now = performance.now();
  if (forceList || now - state.listDrawnAt > LIST_REDRAW_MS) {
    state.listDrawnAt = now;
    ui.renderFaceList(faces, FACE_COLORS, settings);
  }
}

function irisCentre(points, indices) {
  const n = indices.length;
  return {
    x: indices.reduce((s, i) => s + points[i * 3], 0) / n,
    y: indices.reduce((s, i) => s + points[i * 3 + 1], 0) / n,
  };
}

// Fetch both models' files (from the browser's cache when it holds this version), then hand
// them to wherever inference runs, which builds the library and warms it up.
async function useModel(id) {
  demo.ready = false;
  ui.setModelInfo(`Loading ${id}…`);
  const landmarks = await fetchManifest(id);
  const detectorId = landmarks.pipeline?.detector;
  if (!detectorId) throw new Error(`"${id}" names no face detector in its manifest (pipeline.detector).`);
  const detector = await fetchManifest(detectorId); // a clear "pull <id>" message when missing
  const [meshFiles, detectorFiles] = await Promise.all([fetchArtifacts(landmarks), fetchArtifacts(detector)]);
  await inferenceStarted; // the worker started while the files were read
  await loop.stop(); // the old model's last frame finishes before it is replaced
  const crop = capture(source.size() ?? DEFAULT_FRAME);
  const info = await inference.load({
    landmarks,
    detector,
    artifacts: { landmarks: meshFiles.artifacts, detector: detectorFiles.artifacts },
    maxFaces: settings.maxFaces,
    frameSize: { width: crop.width, height: crop.height },
  });
  Object.assign(state, { edges: info.edges, irises: info.irises, faces: [], blinks: [], newPicture: true });
  const loadMs = meshFiles.ms + detectorFiles.ms;
  demo.model = id;
  demo.result = null;
  demo.timings = { loadMs, loadSource: meshFiles.source, warmupMs: info.warmupMs };
  stats.setNote(describeLoad({ ...meshFiles, ms: loadMs }));
  ui.describeModel(landmarks, detector, loadMs, info.warmupMs);
  stats.reset();
  demo.ready = true;
  loop.start();
}

async function main() {
  const switcher = new ModelSwitcher({ select: $('model'), use: useModel, onError: showError });
  // Start-up, overlapped: the worker loads TF.js and its backend (the slow part) while the
  // page lists the models, opens the camera and reads the first model's files (useModel).
  inferenceStarted = startLiveInference({ task: new URL('./faces.js', import.meta.url), loop, stats, switcher }).then((started) => {
    inference = started;
  });
  const modelId = await fillModelChoices($('model'), {
    task: 'face-landmarks', // faces.js checks the manifest's pipeline when it loads
    wanted: settings.model,
  });
  ui.bindControls(settings, {
    settingsChanged: () => render({ forceList: true }),
    maxFacesChanged: () => switcher.switchTo(switcher.current, { reload: true }),
    pauseToggled: (paused) => loop.setPaused(paused).catch(showError),
  });
  new ResizeObserver(() => render({ forceList: true })).observe($('stage'));
  await source.start();
  await switcher.switchTo(modelId);
}

main().catch(showError);
