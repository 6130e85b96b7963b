// Background blur: a segmentation model marks, in every camera frame, the pixels that show a
// person; we keep those sharp and replace the rest (blurred, one colour, or a picture).
//
//   page (this file)                           inference worker (segment.js)
//   camera frame, squashed to the model's   -> selfie model: one person probability per
//   input (256 × 256 ImageBitmap)              input pixel, as bytes 0..255
//     or, for BlazePose, scaled to twice    -> BlazePose: finds one person, and its landmark
//     its input (512 × 384)                    model masks them inside their crop
//   soft mask, stretched over the frame     <- {mask, width, height, coverage, people}
//   -> composite: person from the frame, background from the blurred frame / colour / picture
//
// The model choice lists both kinds; the compositing below does not know which one drew the
// mask, so switching models compares the masks and nothing else.
//
// The compositing is three canvas drawings, done by the browser's graphics code:
//   1. the mask, stretched to the view and blurred by `edge` pixels: the model's mask is
//      256 × 256, so its stair-step edges would show; blurring them fades the person into
//      the background instead of cutting them out with scissors
//   2. 'source-in': the frame, kept only where the mask is (its alpha scales each pixel)
//   3. 'destination-over': the background, drawn behind, showing through where the mask is not
import { demo, showError } from '/static/demo_state.js';
import { prepareOverlay } from '/static/draw.js';
import { FrameLoop, scaledFrame } from '/static/frame_loop.js';
import { FrameSource } from '/static/frame_source.js';
import { startLiveInference } from '/static/inference.js';
import { ModelSwitcher, fillModelChoices } from '/static/model_choice.js';
import { describeLoad, fetchArtifacts, fetchManifest } from '/static/models.js';
import { cropRect } from '/static/preprocess.js';
import { Stats } from '/static/stats.js';
import * as ui from './ui.js';

const { $ } = ui;

const STATUS_REDRAW_MS = 250;

// BlazePose gets the frame scaled to twice its landmark model's input, as in the pose demo
// (demos/posenet/main.js): its crop around the person keeps enough detail, at a quarter of
// the pixels of a 640 × 480 frame.
const BLAZEPOSE_CAPTURE_SCALE = 2;
const DEFAULT_FRAME = { width: 640, height: 480 }; // for the warm-up, before the camera answers

const stats = new Stats();
const settings = ui.initialSettings();
const state = {
  manifest: null,
  mask: null, // the last answer: {mask, width, height, coverage, people, score}
  newPicture: true, // the next frame starts a new picture: BlazePose forgets its history
  statusDrawnAt: 0,
};
const isBlazePose = () => state.manifest?.pose?.family === 'blazepose';
let inference = null; // where the model runs (inference.js)
let inferenceStarted = null; // ...as a promise, while it starts (see main)

// The mask as a small canvas whose alpha is the person probability: the browser then
// stretches and blurs it with its own (smooth, bilinear) scaling.
const maskCanvas = new OffscreenCanvas(1, 1);
const maskContext = maskCanvas.getContext('2d');
let maskPixels = null;

function paintMask({ mask, width, height }) {
  if (maskCanvas.width !== width || maskCanvas.height !== height || !maskPixels) {
    maskCanvas.width = width;
    maskCanvas.height = height;
    maskPixels = new ImageData(width, height);
    maskPixels.data.fill(255); // white; only the alpha changes from frame to frame
  }
  for (let i = 0; i < mask.length; i++) maskPixels.data[4 * i + 3] = mask[i];
  maskContext.putImageData(maskPixels, 0, 0);
}

// The selfie model gets the whole frame, squashed to its input size: it was trained on whole
// pictures, and the mask comes back covering the whole frame, so stretching it back is exact.
// BlazePose gets the whole frame scaled, not squashed: it finds the person and crops itself.
function capture(size) {
  if (isBlazePose()) return scaledFrame(size, BLAZEPOSE_CAPTURE_SCALE * state.manifest.input.shape[1]);
  return cropRect(size, state.manifest.input);
}

function infer(bitmap) {
  const reset = state.newPicture;
  state.newPicture = false;
  return inference.run(bitmap, { reset });
}

const source = new FrameSource({
  onChange: () => {
    state.mask = null;
    state.newPicture = true;
    loop.restart();
  },
  onStop: () => loop.stop(),
  onMirror: () => render({ forceStatus: true }),
});
const loop = new FrameLoop({
  source,
  capture,
  infer,
  draw: ({ result }, frame) => {
    state.mask = result;
    paintMask(result);
    render({ forceStatus: frame.still });
  },
  stats,
  stillPasses: 1,
  onError: showError,
});

// A picture drawn to cover the view (cropped, never stretched out of shape).
function drawCovering(ctx, picture, width, height) {
  const scale = Math.max(width / picture.width, height / picture.height);
  const w = picture.width * scale;
  const h = picture.height * scale;
  ctx.drawImage(picture, (width - w) / 2, (height - h) / 2, w, h);
}

function drawBackground(ctx, frame, width, height) {
  if (settings.mode === 'blur') {
    ctx.filter = `blur(${settings.blur}px)`;
    ctx.drawImage(frame, 0, 0, width, height);
    ctx.filter = 'none';
  } else if (settings.mode === 'image' && settings.picture) {
    drawCovering(ctx, settings.picture, width, height);
  } else {
    ctx.fillStyle = settings.colour;
    ctx.fillRect(0, 0, width, height);
  }
}

// Composite the current frame with the last mask, and publish the result on window.__demo.
function render({ forceStatus = false } = {}) {
  const size = source.size();
  if (!size || !state.mask || !source.element) return;
  const { ctx, width, height } = prepareOverlay($('view'));
  const frame = source.element;
  ctx.save();
  if (source.mirrored) { // the video under the canvas is mirrored by CSS; the canvas is not
    ctx.translate(width, 0);
    ctx.scale(-1, 1);
  }
  if (settings.mode === 'mask') {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(maskCanvas, 0, 0, width, height); // grey levels: the probability itself
  } else {
    ctx.filter = settings.edge > 0 ? `blur(${settings.edge}px)` : 'none';
    ctx.drawImage(maskCanvas, 0, 0, width, height);
    ctx.filter = 'none';
    ctx.globalCompositeOperation = 'source-in';
    ctx.drawImage(frame, 0, 0, width, height);
    ctx.globalCompositeOperation = 'destination-over';
    drawBackground(ctx, frame, width, height);
  }
  ctx.restore();

  const { mask, width: maskWidth, height: maskHeight, coverage, people, score } = state.mask;
  // Reported: the mask as the model gave it (mask pixels, never mirrored), and the frame's size.
  demo.result = {
    width: size.width, height: size.height, maskWidth, maskHeight, mask, coverage, people, score,
    person: coverage >= 0.005, mode: settings.mode, model: demo.model,
  };
  demo.drawn = { width, height, mirrored: source.mirrored };
  const now = performance.now();
  if (forceStatus || now - state.statusDrawnAt > STATUS_REDRAW_MS) {
    state.statusDrawnAt = now;
    ui.renderStatus(demo.result, settings, state.manifest);
  }
}

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
  const { warmupMs } = await inference.load({
    manifest,
    artifacts: loaded.artifacts,
    detector: detector && { artifacts: detector.artifacts },
    frameSize: { width: crop.width, height: crop.height }, // BlazePose warms up at this size
  });
  state.mask = null;
  state.newPicture = true;
  demo.model = id;
  demo.result = null;
  demo.timings = { loadMs: loaded.ms, loadSource: loaded.source, warmupMs };
  stats.setModel(id);
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
  inferenceStarted = startLiveInference({ task: new URL('./segment.js', import.meta.url), loop, stats, switcher }).then((started) => {
    inference = started;
  });
  // The segmentation models, and the pose models that also output a person mask.
  const modelId = await fillModelChoices($('model'), {
    task: ['person-segmentation', 'pose-detection'],
    accept: (m) => m.task === 'person-segmentation' || m.pose?.family === 'blazepose',
    wanted: settings.model,
  });
  ui.bindControls(settings, {
    settingsChanged: () => render({ forceStatus: true }),
    pictureRefused: showError,
    pauseToggled: (paused) => loop.setPaused(paused).catch(showError),
  });
  new ResizeObserver(() => render({ forceStatus: true })).observe($('stage'));
  await source.start();
  await switcher.switchTo(modelId);
}

main().catch(showError);
