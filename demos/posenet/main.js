// Live pose estimation: PoseNet, MoveNet or BlazePose finds a person's keypoints in every
// camera frame, and we draw them over the video at the size it is displayed.
//
//   page (this file)                        inference worker (poses.js)
//   camera frame, scaled to about twice  -> @tensorflow-models/pose-detection: pad and scale
//   the model's input (ImageBitmap)         to the model's input, run it, decode keypoints
//   keypoints back in the frame's pixels <- [{score, keypoints: [{name, x, y, score}]}]
//   -> thresholds -> skeleton over the video
//
// This file builds the frame loop, scales the keypoints back to the frame, applies the two
// score thresholds and draws (with BlazePose also its person mask and a 3D view of its world
// keypoints, world_view.js); poses.js holds the model.
import { demo, showError } from '/static/demo_state.js';
import { drawMask, drawPose, prepareOverlay, viewTransform } from '/static/draw.js';
import { FrameLoop, scaledFrame } from '/static/frame_loop.js';
import { FrameSource } from '/static/frame_source.js';
import { startLiveInference } from '/static/inference.js';
import { ModelSwitcher, fillModelChoices } from '/static/model_choice.js';
import { describeLoad, fetchArtifacts, fetchManifest } from '/static/models.js';
import { params } from '/static/params.js';
import { Stats } from '/static/stats.js';
import * as ui from './ui.js';
import { WorldView } from './world_view.js';

const { $ } = ui;

// The frame is scaled down before the model sees it: the library shrinks it to the model's
// input anyway (192 to 257 pixels), so sending it twice that size keeps the detail the crop
// around the person needs, and costs the worker a quarter of the pixels of a 640 × 480 frame.
// Measured on the hand-annotated test photos (README, "Less work per frame"). ?captureScale=
// changes it (0: the whole frame as it comes).
const CAPTURE_SCALE = Number.parseFloat(params.get('captureScale') ?? '2');

// A still image is analysed a few times, not once: single-pose MoveNet looks at the whole
// picture first, then crops around the person it found, and sees them better on the next pass.
const IMAGE_PASSES = 3;

const DEFAULT_FRAME = { width: 640, height: 480 };
const PERSON_COLORS = ['#32ff7e', '#ffd166', '#ef476f', '#c77dff', '#06d6a0', '#f8f9fa'];
const LIST_REDRAW_MS = 250; // the per-person text changes every frame; a person reads it slower

const stats = new Stats();
const settings = ui.initialSettings();
const state = {
  manifest: null,
  skeleton: null, // {pairs, sides}: which keypoints a bone joins, which side each keypoint is on
  poses: [], // the last answer, in frame pixels, kept to redraw at once when a setting changes
  newPicture: true, // the next frame starts a new picture: the model forgets its history
  mask: null, // BlazePose's person mask for the last frame, when asked for
  listDrawnAt: 0,
};
const worldView = new WorldView($('world'));
const isBlazePose = () => state.manifest?.pose.family === 'blazepose';
let inference = null; // where the model runs (inference.js)
let inferenceStarted = null; // ...as a promise, while it starts (see main)

// The model's input side: what the library scales every frame to.
function modelSide(manifest) {
  const pose = manifest.pose;
  if (pose.family === 'posenet' || pose.model_type === 'MultiPose.Lightning') return pose.input_resolution;
  return manifest.input.shape[1]; // single-pose MoveNet's and BlazePose's landmark input
}

function capture(size) {
  return CAPTURE_SCALE > 0 ? scaledFrame(size, CAPTURE_SCALE * modelSide(state.manifest)) : scaledFrame(size, Infinity);
}

// Keypoints come back in the captured bitmap's pixels; the frame's own pixels are what the
// page reports and draws from.
function inFramePixels(poses, { crop, width, height }) {
  const sx = width / crop.width;
  const sy = height / crop.height;
  return poses.map((pose) => ({ ...pose, keypoints: pose.keypoints.map((k) => ({ ...k, x: k.x * sx, y: k.y * sy })) }));
}

async function infer(bitmap) {
  const reset = state.newPicture;
  state.newPicture = false;
  return inference.run(bitmap, { reset, mask: settings.showMask && isBlazePose() });
}

const source = new FrameSource({
  onChange: () => {
    state.newPicture = true;
    state.poses = [];
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
    state.poses = inFramePixels(result.poses, frame);
    state.mask = result.poses[0]?.mask ?? null;
    render({ forceList: frame.still });
  },
  stats,
  stillPasses: IMAGE_PASSES,
  onError: showError,
});

// Which keypoints we believe. A keypoint's score is the model's confidence that the body part
// is where it says; below the threshold it is a guess. And a point outside the frame is
// always a guess: the model saw only padding there (PoseNet pads the frame to a square,
// MoveNet's crop may reach past the edge), so the demo never shows one.
function shownKeypoints({ width, height }) {
  return (k) => k.score >= settings.threshold && k.x >= 0 && k.x <= width && k.y >= 0 && k.y <= height;
}

// Draw the last poses with the current settings, and publish them on window.__demo.
function render({ forceList = false } = {}) {
  const size = source.size();
  if (!size || !state.skeleton) return;
  const { width, height } = size;
  const view = prepareOverlay($('overlay'));
  const toView = viewTransform({
    sourceWidth: width, sourceHeight: height, viewWidth: view.width, viewHeight: view.height, mirrored: source.mirrored,
  });
  const show = shownKeypoints({ width, height });
  const people = state.poses.filter((pose) => pose.score >= settings.minPoseScore);
  if (settings.showMask && state.mask && people.length) {
    drawMask(view.ctx, state.mask, { width: view.width, height: view.height, mirrored: source.mirrored });
  }
  const drawn = people.map((pose, i) => drawPose(view.ctx, pose.keypoints, {
    ...state.skeleton, show, toView, boneColor: PERSON_COLORS[i % PERSON_COLORS.length],
  }));

  // Reported: the keypoints drawn, as the model gave them: frame pixels, never mirrored.
  // Drawn: the same points where they landed on the overlay (view pixels, maybe mirrored).
  demo.result = {
    width,
    height,
    poses: people.map((pose) => ({ score: pose.score, keypoints: pose.keypoints.filter(show), world: pose.world })),
  };
  demo.drawn = { width: view.width, height: view.height, mirrored: source.mirrored, poses: drawn };
  demo.mask = settings.showMask && people.length ? state.mask : null; // {width, height, data}: bytes 0..255
  if (isBlazePose()) demo.drawn.world = worldView.draw(people[0]?.world, state.skeleton);

  const now = performance.now();
  if (forceList || now - state.listDrawnAt > LIST_REDRAW_MS) {
    state.listDrawnAt = now;
    ui.renderPoseList(demo.result.poses, settings, state.poses.length, PERSON_COLORS, state.manifest);
  }
}

// Fetch the model's files (from the browser's cache when it holds this version), then hand
// them to wherever inference runs, which builds the detector and warms it up.
async function useModel(id) {
  demo.ready = false;
  ui.setModelInfo(`Loading ${id}…`);
  const manifest = await fetchManifest(id);
  const loaded = await fetchArtifacts(manifest);
  // BlazePose's first stage, the person detector, is a model of its own.
  const detectorId = manifest.pose?.detector;
  const detector = detectorId ? await fetchArtifacts(await fetchManifest(detectorId)) : null;
  await inferenceStarted; // the worker started while the files were read
  await loop.stop(); // the old model's last frame finishes before it is replaced
  state.manifest = manifest;
  const crop = capture(source.size() ?? DEFAULT_FRAME);
  const { warmupMs, skeleton } = await inference.load({
    manifest,
    artifacts: loaded.artifacts,
    detector: detector && { artifacts: detector.artifacts },
    frameSize: { width: crop.width, height: crop.height },
  });
  Object.assign(state, { skeleton, poses: [], mask: null, newPicture: true });
  ui.showBlazePoseExtras(manifest.pose.family === 'blazepose');
  demo.model = id;
  demo.result = null;
  demo.drawn = null;
  // BlazePose's load is both its models' files, as the face and hand demos count theirs.
  const loadMs = loaded.ms + (detector?.ms ?? 0);
  demo.timings = { loadMs, loadSource: loaded.source, warmupMs };
  stats.setNote(describeLoad({ ...loaded, ms: loadMs }));
  ui.describeModel(manifest, loadMs, warmupMs);
  stats.reset();
  demo.ready = true;
  loop.start();
}

async function main() {
  const switcher = new ModelSwitcher({ select: $('model'), use: useModel, onError: showError });
  // Start-up, overlapped: the worker loads TF.js and its backend (the slow part) while the
  // page lists the models, opens the camera and reads the first model's files (useModel).
  inferenceStarted = startLiveInference({ task: new URL('./poses.js', import.meta.url), loop, stats, switcher }).then((started) => {
    inference = started;
  });
  const modelId = await fillModelChoices($('model'), {
    task: 'pose-detection',
    accept: (m) => ['movenet', 'posenet', 'blazepose'].includes(m.pose?.family),
    wanted: settings.model,
  });
  ui.bindControls(settings, {
    settingsChanged: () => render({ forceList: true }),
    pauseToggled: (paused) => loop.setPaused(paused).catch(showError),
  });
  // The overlay's pixels must follow the displayed size of the video.
  new ResizeObserver(() => render({ forceList: true })).observe($('stage'));
  await source.start();
  await switcher.switchTo(modelId);
}

main().catch(showError);
