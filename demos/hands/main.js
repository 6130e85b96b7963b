// Live hands: a detector finds up to two hands, a landmark model puts 21 points on each, and
// the page names the gesture from the fingers and draws the bones over the video.
//
//   page (this file)                         inference worker (hands.js)
//   camera frame, longer side at most     -> handtrack finds hand boxes (320×320); each box's
//   640 px (ImageBitmap)                     region -> 224×224 crop -> hand landmark model
//   hands in the frame's pixels          <- [{points: Float32Array [x, y, z] × 21, presence, handedness}]
//   -> gestures (gestures.js) -> bones, region and gesture over the video
//
// This file builds the frame loop, names gestures and draws; hands.js holds the models.
import { demo, showError } from '/static/demo_state.js';
import { KEYPOINT_COLORS, prepareOverlay, viewTransform } from '/static/draw.js';
import { FrameLoop, scaledFrame } from '/static/frame_loop.js';
import { FrameSource } from '/static/frame_source.js';
import { startLiveInference } from '/static/inference.js';
import { ModelSwitcher, fillModelChoices } from '/static/model_choice.js';
import { describeLoad, fetchArtifacts, fetchManifest } from '/static/models.js';
import { params } from '/static/params.js';
import { Stats } from '/static/stats.js';
import { BONES, GESTURE_LABELS, KEYPOINT_NAMES, recognise } from './gestures.js';
import * as ui from './ui.js';

const { $ } = ui;

// The detector sees 320×320 and each hand's crop is 224×224: a 640 px frame keeps a hand that
// fills a fifth of it at about its crop's size. ?captureSide= changes it.
const CAPTURE_SIDE = Number.parseFloat(params.get('captureSide') ?? '640');
// A photo is analysed three times: from the detector's box first, then twice from the last
// landmarks (the crop turned upright and centred on the hand, as on video).
const IMAGE_PASSES = 3;
const DEFAULT_FRAME = { width: 640, height: 480 };
const HAND_COLORS = { left: KEYPOINT_COLORS.left, right: KEYPOINT_COLORS.right };
const LIST_REDRAW_MS = 250;

const stats = new Stats();
const settings = ui.initialSettings();
// picture: how many pictures (camera, files) the page has been given; pass: how many times the
// current still picture has been analysed. Both go into the result, so a reader knows an answer
// is about the picture it gave and final (pass === IMAGE_PASSES).
const state = { loaded: false, hands: [], newPicture: true, listDrawnAt: 0, picture: 0, pass: 0 };
let inference = null; // where the model runs (inference.js)
let inferenceStarted = null; // ...as a promise, while it starts (see main)

function capture(size) {
  return scaledFrame(size, CAPTURE_SIDE > 0 ? CAPTURE_SIDE : Infinity);
}

function inFramePixels(hands, { crop, width, height }) {
  const sx = width / crop.width;
  const sy = height / crop.height;
  const box = (b) => b && { x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy };
  return hands.map((hand) => {
    const points = new Float32Array(hand.points.length);
    for (let i = 0; i < points.length; i += 3) {
      points[i] = hand.points[i] * sx;
      points[i + 1] = hand.points[i + 1] * sy;
      points[i + 2] = hand.points[i + 2] * sx;
    }
    return {
      ...hand,
      points,
      detection: hand.detection && { ...hand.detection, box: box(hand.detection.box) },
      region: { ...hand.region, box: box(hand.region.box) },
    };
  });
}

async function infer(bitmap) {
  const reset = state.newPicture;
  state.newPicture = false;
  const { maxHands, minDetectionScore, minPresence } = settings;
  return inference.run(bitmap, { reset, maxHands, minDetectionScore, minPresence });
}

const source = new FrameSource({
  onChange: () => {
    state.newPicture = true;
    state.hands = [];
    state.picture += 1;
    state.pass = 0;
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
    state.hands = inFramePixels(result.hands, frame);
    if (frame.still) state.pass += 1;
    render({ forceList: frame.still });
  },
  stats,
  stillPasses: IMAGE_PASSES,
  onError: showError,
});

function drawHand(ctx, hand, toView, label) {
  const at = (i) => toView({ x: hand.points[i * 3], y: hand.points[i * 3 + 1] });
  const color = HAND_COLORS[hand.handedness];
  // The region the landmark model looked at (turned with the hand).
  const { cx, cy, side, angle } = hand.region;
  const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([u, v]) => toView({
    x: cx + (u * Math.cos(angle) - v * Math.sin(angle)) * side / 2,
    y: cy + (u * Math.sin(angle) + v * Math.cos(angle)) * side / 2,
  }));
  ctx.strokeStyle = 'rgba(255,255,255,0.6)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  corners.forEach((p, i) => (i ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
  ctx.closePath();
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = 3;
  ctx.beginPath();
  for (const [a, b] of BONES) {
    const p = at(a);
    const q = at(b);
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(q.x, q.y);
  }
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  for (let i = 0; i < 21; i++) {
    const p = at(i);
    ctx.beginPath();
    ctx.arc(p.x, p.y, 3, 0, 2 * Math.PI);
    ctx.fill();
  }
  const top = corners.reduce((best, p) => (p.y < best.y ? p : best));
  ctx.font = '600 14px system-ui, sans-serif';
  ctx.fillStyle = color;
  // Above the region, kept on the canvas (a turned region's corner may lie outside it).
  const labelWidth = ctx.measureText(label).width;
  ctx.fillText(label, Math.min(Math.max(4, top.x - labelWidth / 2), ctx.canvas.clientWidth - labelWidth - 4),
    Math.min(Math.max(16, top.y - 6), ctx.canvas.clientHeight - 4));
}

function render({ forceList = false } = {}) {
  const size = source.size();
  if (!size || !state.loaded) return;
  const { width, height } = size;
  const view = prepareOverlay($('overlay'));
  const toView = viewTransform({
    sourceWidth: width, sourceHeight: height, viewWidth: view.width, viewHeight: view.height, mirrored: source.mirrored,
  });
  const hands = state.hands.map((hand) => {
    const g = recognise(hand.points, settings.minGesture);
    const label = `${hand.handedness} ${g.gesture ? GESTURE_LABELS[g.gesture] : ''} ${g.score.toFixed(2)}`;
    drawHand(view.ctx, hand, toView, label);
    return {
      handedness: hand.handedness,
      presence: hand.presence,
      gesture: g.gesture,
      gestureScore: g.score,
      gestureScores: g.scores,
      fingers: g.fingers,
      thumb: g.thumb,
      detection: hand.detection,
      region: hand.region.box,
      keypoints: KEYPOINT_NAMES.map((name, i) => ({ name, x: hand.points[i * 3], y: hand.points[i * 3 + 1], z: hand.points[i * 3 + 2] })),
    };
  });
  // Reported: frame pixels, never mirrored (the mirror is a matter of display).
  demo.result = { width, height, picture: state.picture, pass: state.pass, hands };
  const now = performance.now();
  if (forceList || now - state.listDrawnAt > LIST_REDRAW_MS) {
    state.listDrawnAt = now;
    ui.renderHandList(hands, HAND_COLORS);
  }
}

// Fetch both models' files (cache-first), then hand them to wherever inference runs.
async function useModel(id) {
  demo.ready = false;
  ui.setModelInfo(`Loading ${id}…`);
  const landmarks = await fetchManifest(id);
  const detectorId = landmarks.pipeline?.detector;
  if (!detectorId) throw new Error(`"${id}" names no hand detector in its manifest (pipeline.detector).`);
  const detector = await fetchManifest(detectorId); // a clear "pull <id>" message when missing
  const [landmarkFiles, detectorFiles] = await Promise.all([fetchArtifacts(landmarks), fetchArtifacts(detector)]);
  await inferenceStarted; // the worker started while the files were read
  await loop.stop();
  const crop = capture(source.size() ?? DEFAULT_FRAME);
  const info = await inference.load({
    landmarks,
    detector,
    artifacts: { landmarks: landmarkFiles.artifacts, detector: detectorFiles.artifacts },
    frameSize: { width: crop.width, height: crop.height },
  });
  Object.assign(state, { loaded: true, hands: [], newPicture: true });
  const loadMs = landmarkFiles.ms + detectorFiles.ms;
  demo.model = id;
  demo.result = null;
  demo.timings = { loadMs, loadSource: landmarkFiles.source, warmupMs: info.warmupMs };
  stats.setNote(describeLoad({ ...landmarkFiles, ms: loadMs }));
  ui.describeModel(landmarks, detector, loadMs, info.warmupMs);
  stats.reset();
  demo.ready = true;
  loop.start();
}

async function main() {
  const switcher = new ModelSwitcher({ select: $('model'), use: useModel, onError: showError });
  // Start-up, overlapped: the worker loads TF.js and its backend (the slow part) while the
  // page lists the models, opens the camera and reads the first model's files (useModel).
  inferenceStarted = startLiveInference({ task: new URL('./hands.js', import.meta.url), loop, stats, switcher }).then((started) => {
    inference = started;
  });
  const modelId = await fillModelChoices($('model'), { task: 'hand-landmarks', wanted: settings.model });
  ui.bindControls(settings, {
    settingsChanged: () => render({ forceList: true }),
    pauseToggled: (paused) => loop.setPaused(paused).catch(showError),
  });
  new ResizeObserver(() => render({ forceList: true })).observe($('stage'));
  await source.start();
  await switcher.switchTo(modelId);
}

main().catch(showError);
