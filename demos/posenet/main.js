// Live pose estimation: every camera frame goes through @tensorflow-models/pose-detection
// (PoseNet or MoveNet), the keypoints come back in the frame's own pixels, and we draw them
// over the video at the size it is displayed.
//
// The library does the model-specific work: scaling and padding the frame the way the model
// was trained, running it, decoding its outputs into named keypoints, following the person
// from frame to frame. This file builds the library's configuration from the model's
// manifest, runs the frame loop, applies the two score thresholds, and draws.
import { onBackendLost, setupBackend } from '/static/backend.js';
import { CameraError, listCameras, mediaFromFile, onFileChosen, openCamera, sourceSize, stopCamera } from '/static/camera.js';
import { demo, showError, clearError } from '/static/demo_state.js';
import { drawPose, prepareOverlay, viewTransform } from '/static/draw.js';
import { loadArtifacts } from '/static/model_cache.js';
import { describeLoad, fetchManifest, listModels } from '/static/models.js';
import { Stats } from '/static/stats.js';
import * as ui from './ui.js';

const { $ } = ui;

// The manifest's `pose.family` names the library's model (docs/MANIFEST.md).
const FAMILIES = {
  movenet: poseDetection.SupportedModels.MoveNet,
  posenet: poseDetection.SupportedModels.PoseNet,
};

// MoveNet drops every pose scoring under the `minPoseScore` it was created with. We create it
// with almost none (0 would mean "use the default, 0.25") and apply the slider's minimum
// ourselves, so moving the slider acts on the next frame instead of reloading the model.
const LIBRARY_MIN_POSE_SCORE = 0.01;

// flipHorizontal: false keeps keypoints in the frame's own coordinates; mirroring is a matter
// of display, done when drawing. maxPoses only matters to PoseNet: 1 picks its fast
// single-person decoder (for several people, use MoveNet MultiPose).
const ESTIMATION = { maxPoses: 1, flipHorizontal: false };

// A still image is analysed a few times, not once: single-pose MoveNet looks at the whole
// picture first, then crops around the person it found, and sees them better on the next pass.
const IMAGE_PASSES = 3;

const DEFAULT_FRAME = { width: 640, height: 480 };
const PERSON_COLORS = ['#32ff7e', '#ffd166', '#ef476f', '#c77dff', '#06d6a0', '#f8f9fa'];
const LIST_REDRAW_MS = 250; // the per-person text changes every frame; a person reads it slower

const stats = new Stats();
const settings = ui.initialSettings();
const state = {
  detector: null, // the pose-detection PoseDetector in use
  manifest: null,
  skeleton: null, // {pairs, sides}: which keypoints a bone joins, which side each keypoint is on
  source: null, // the <video> (camera or file) or the <img> being analysed
  poses: [], // the detector's last answer, kept to redraw at once when a setting changes
  paused: false,
  loop: 0, // bumped to stop the running frame loop
  busy: Promise.resolve(), // the estimate in flight: a model is disposed only once it has finished
  switching: Promise.resolve(), // model switches, one at a time
  wantedModel: null,
  listDrawnAt: 0,
};

// The model comes from the browser's cache when it holds this version (model_cache.js),
// otherwise from this server; pose-detection takes it as an in-memory IOHandler.
async function createDetector(manifest) {
  const loaded = await loadArtifacts(manifest);
  stats.setNote(describeLoad(loaded));
  const modelUrl = tf.io.fromMemory(loaded.artifacts);
  const pose = manifest.pose;
  if (pose.family === 'movenet') {
    return poseDetection.createDetector(poseDetection.SupportedModels.MoveNet, {
      modelType: pose.model_type, // "SinglePose.Lightning", "SinglePose.Thunder" or "MultiPose.Lightning"
      modelUrl,
      // A one-euro filter over time: keypoints jitter less, and still follow fast moves.
      enableSmoothing: true,
      minPoseScore: LIBRARY_MIN_POSE_SCORE,
      // MultiPose takes any input size: the frame's longer side is scaled to this (a multiple of 32).
      multiPoseMaxDimension: pose.input_resolution,
    });
  }
  return poseDetection.createDetector(poseDetection.SupportedModels.PoseNet, {
    architecture: pose.architecture, // "MobileNetV1"
    multiplier: pose.multiplier, // 0.75: the width of the MobileNet, three quarters of the channels
    outputStride: pose.output_stride, // 16: one heatmap cell per 16×16 input pixels
    inputResolution: { width: pose.input_resolution, height: pose.input_resolution },
    modelUrl,
  });
}

// The skeleton comes from the library too: which keypoint pairs make a bone, and which
// keypoints are on the person's left or right (for the colours).
function skeletonOf(manifest) {
  const model = FAMILIES[manifest.pose.family];
  const sides = [];
  for (const [side, indices] of Object.entries(poseDetection.util.getKeypointIndexBySide(model))) {
    for (const i of indices) sides[i] = side;
  }
  return { pairs: poseDetection.util.getAdjacentPairs(model), sides };
}

// Single-pose MoveNet keeps a history: where the person was (it crops around them) and the
// smoothing filter's state. A new camera or file must start afresh. (MultiPose's reset() is
// broken in pose-detection 2.1.3: it resets a filter only single-pose models have. Its
// tracker forgets people who vanish after a second anyway.)
function forgetHistory() {
  if (state.detector && state.manifest.pose.model_type !== 'MultiPose.Lightning') state.detector.reset();
}

// Warm-up: the first estimate compiles the backend's kernels and allocates memory, many times
// slower than the next one. Pay for it on a blank frame of the right size before the first
// real one, then forget the blank frame as history.
async function warmUp(size) {
  const blank = Object.assign(document.createElement('canvas'), size);
  const started = performance.now();
  await state.detector.estimatePoses(blank, ESTIMATION);
  forgetHistory();
  return performance.now() - started;
}

function describe(manifest, loadMs, warmupMs) {
  const pose = manifest.pose;
  const input = pose.family === 'posenet'
    ? `${pose.input_resolution}×${pose.input_resolution} input, output stride ${pose.output_stride}`
    : pose.model_type.startsWith('MultiPose')
      ? `frame scaled to ${pose.input_resolution} px on its longer side, up to 6 people`
      : `${manifest.input.shape[2]}×${manifest.input.shape[1]} crop around the person`;
  const weights = `${(manifest.weight_bytes / 1e6).toFixed(1)} MB of weights${manifest.quantization ? ` (${manifest.quantization})` : ''}`;
  return `${manifest.title}: ${input}, ${weights}. Loaded in ${loadMs.toFixed(0)} ms; `
    + `first estimate (warm-up) ${warmupMs.toFixed(0)} ms.`;
}

async function useModel(id) {
  demo.ready = false;
  ui.setModelInfo(`Loading ${id}…`);
  const manifest = await fetchManifest(id);
  if (!FAMILIES[manifest.pose?.family]) {
    throw new Error(`"${id}" is not a PoseNet or MoveNet model (its manifest has no pose.family this demo knows).`);
  }
  const started = performance.now();
  const detector = await createDetector(manifest);
  const loadMs = performance.now() - started;

  // The old model ran while the new one loaded. Stop it now, let its last frame finish, and
  // free its weights: they live in the backend's memory (wasm heap or GPU textures), which
  // JavaScript's garbage collector never frees.
  await stopLoop();
  try {
    state.detector?.dispose();
  } catch {
    // Its backend is gone (a lost WebGL context): nothing left to free.
  }
  Object.assign(state, { detector, manifest, skeleton: skeletonOf(manifest), poses: [] });
  demo.model = id;
  demo.result = null;
  demo.drawn = null;

  const warmupMs = await warmUp(state.source ? sourceSize(state.source) : DEFAULT_FRAME);
  ui.setModelInfo(describe(manifest, loadMs, warmupMs));
  stats.reset();
  demo.ready = true;
  start();
}

// Switches run one after another, and one overtaken by a newer choice is skipped: picking
// three models in a row loads only the last. `reload` loads the model in use again.
function switchModel(id, { reload = false } = {}) {
  state.wantedModel = id;
  state.switching = state.switching
    .then(() => (id === state.wantedModel && (reload || id !== demo.model) ? useModel(id) : null))
    .catch((error) => {
      $('model').value = demo.model ?? id;
      showError(error);
    });
  return state.switching;
}

// Which keypoints we believe. A keypoint's score is the model's confidence that the body part
// is where it says; below the threshold it is a guess. And a point outside the frame is
// always a guess: the model saw only padding there (PoseNet pads the frame to a square,
// MoveNet's crop may reach past the edge), so the demo never shows one.
function shownKeypoints({ width, height }) {
  return (k) => k.score >= settings.threshold && k.x >= 0 && k.x <= width && k.y >= 0 && k.y <= height;
}

// Draw the last poses with the current settings, and publish them on window.__demo.
function render({ forceList = false } = {}) {
  const source = state.source;
  if (!source || !state.skeleton) return;
  const { width, height } = sourceSize(source);
  const view = prepareOverlay($('overlay'));
  const toView = viewTransform({
    sourceWidth: width, sourceHeight: height, viewWidth: view.width, viewHeight: view.height, mirrored: settings.mirrored,
  });
  const show = shownKeypoints({ width, height });
  const people = state.poses.filter((pose) => pose.score >= settings.minPoseScore);
  const drawn = people.map((pose, i) => drawPose(view.ctx, pose.keypoints, {
    ...state.skeleton, show, toView, boneColor: PERSON_COLORS[i % PERSON_COLORS.length],
  }));

  // Reported: the keypoints drawn, as the model gave them: source pixels, never mirrored.
  // Drawn: the same points where they landed on the overlay (view pixels, maybe mirrored).
  demo.result = {
    width,
    height,
    poses: people.map((pose) => ({
      score: pose.score,
      keypoints: pose.keypoints.filter(show).map(({ name, x, y, score }) => ({ name, x, y, score })),
    })),
  };
  demo.drawn = { width: view.width, height: view.height, mirrored: settings.mirrored, poses: drawn };

  const now = performance.now();
  if (forceList || now - state.listDrawnAt > LIST_REDRAW_MS) {
    state.listDrawnAt = now;
    ui.renderPoseList(demo.result.poses, settings, state.poses.length, PERSON_COLORS);
  }
}

// Estimate poses on every new frame of a playing video, until a newer loop takes over. A
// still image, or a paused video after a model switch, gets IMAGE_PASSES passes instead.
function start() {
  const loop = ++state.loop;
  const source = state.source;
  if (!source || !state.detector) return;
  const live = source instanceof HTMLVideoElement && !state.paused;
  let passes = 0;
  const step = async () => {
    if (loop !== state.loop) return;
    stats.begin();
    const estimate = state.detector.estimatePoses(source, ESTIMATION);
    state.busy = estimate.catch(() => {});
    let poses;
    try {
      poses = await estimate;
    } catch (error) {
      // A frame in flight when the model or the backend went away may fail; that loop is over.
      if (loop === state.loop) showError(error);
      return;
    }
    if (loop !== state.loop) return;
    state.poses = poses;
    render();
    stats.end();
    passes += 1;
    // Wake up when the video has a new frame, not on a timer: no frame is analysed twice.
    if (live) source.requestVideoFrameCallback(() => step().catch(showError));
    else if (passes < IMAGE_PASSES) requestAnimationFrame(() => step().catch(showError));
    else render({ forceList: true });
  };
  step().catch(showError);
}

async function stopLoop() {
  state.loop += 1;
  await state.busy;
}

// pose-detection's PoseNet reads a <video>'s size from its width and height attributes, which
// are 0 unless set (the frame's real size is videoWidth × videoHeight). CSS still decides
// the displayed size.
function matchVideoSize(video) {
  video.width = video.videoWidth;
  video.height = video.videoHeight;
}

// Show `element` and analyse `input`: the same <video>, or for a photo, a copy of the <img>
// that is not on the page. (An <img> on the page reports its displayed size as .width and
// .height, and tf.browser.fromPixels reads it at that size: the keypoints would come back
// in screen pixels. A detached image reports its own size.)
function useSource(element, input = element) {
  state.paused = false; // a new picture plays
  ui.showPaused(false);
  if (element instanceof HTMLVideoElement) matchVideoSize(element);
  ui.mirrorForSource(settings, Boolean(element.srcObject));
  ui.showSource(element);
  state.source = input;
  state.poses = [];
  forgetHistory();
  stats.reset();
  start();
}

async function useCamera() {
  await stopLoop();
  await openCamera($('video'), { ...ui.cameraRequest(settings), onEnded: fallBackToFile });
  ui.showNotice('');
  clearError();
  useSource($('video'));
}

// No camera, no permission, or it went away: say why, and offer a file instead.
function fallBackToFile(error) {
  state.loop += 1;
  ui.showNotice(error.message);
}

function cameraChanged() {
  useCamera().catch((error) => (error instanceof CameraError ? fallBackToFile(error) : showError(error)));
}

async function useFile(file) {
  try {
    const media = await mediaFromFile(file);
    await stopLoop();
    stopCamera($('video'));
    if (media instanceof HTMLImageElement) {
      $('still').src = media.src;
      await $('still').decode();
      useSource($('still'), media);
    } else {
      media.pause(); // mediaFromFile checked it plays; the page's own <video> shows it
      $('video').src = media.src;
      await $('video').play();
      useSource($('video'));
    }
    clearError();
  } catch (error) {
    showError(error);
  }
}

async function setPaused(paused) {
  state.paused = paused;
  ui.showPaused(paused);
  await stopLoop();
  const source = state.source;
  if (source instanceof HTMLVideoElement) {
    if (paused) source.pause();
    else await source.play();
  }
  if (!paused) {
    stats.reset(); // the pause is not a slow frame
    start();
  }
}

async function main() {
  const { backend, note } = await setupBackend();
  stats.setBackend(backend, note);
  // The GPU was reset (a lost WebGL context): the model's weights went with it. Stop at once,
  // then load the same model again on the backend we fell back to.
  onBackendLost(async (switched) => {
    state.loop += 1;
    const { backend: now, note: why } = await switched;
    stats.setBackend(now, why);
    await switchModel(demo.model, { reload: true });
  });
  const installed = (await listModels('pose-detection')).filter((m) => FAMILIES[m.pose?.family]);
  const modelId = ui.fillModelChoices(installed, settings.model);
  ui.bindControls(settings, {
    settingsChanged: () => render({ forceList: true }),
    cameraChanged,
    modelChanged: switchModel,
    pauseToggled: () => setPaused(!state.paused).catch(showError),
  });
  onFileChosen($('file'), $('dropzone'), useFile);
  $('video').addEventListener('resize', () => matchVideoSize($('video'))); // a camera may change resolution
  // The overlay's pixels must follow the displayed size of the video.
  new ResizeObserver(() => render({ forceList: true })).observe($('stage'));

  if (settings.useCamera) {
    try {
      await useCamera();
      ui.fillCameraChoices(await listCameras()); // names are only visible once permission is granted
    } catch (error) {
      if (!(error instanceof CameraError)) throw error;
      fallBackToFile(error);
    }
  } else {
    ui.showNotice('Choose an image or a video file below.');
  }
  await switchModel(modelId);
}

main().catch(showError);
