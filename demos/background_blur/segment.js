// The model's side of the background demo. It runs where inference runs: in the inference
// worker (server/static/inference_worker.js), or on the page with ?worker=0.
//
// Two kinds of model can draw the mask, and the page can switch between them:
//
// - A person segmentation model (`selfie`). The frame arrives already squashed to the model's
//   input (256 × 256: main.js `capture`). The model answers, for every one of its input
//   pixels, how likely that pixel belongs to a person: a soft mask of numbers between 0 and 1,
//   covering the whole frame.
// - BlazePose (`blazepose-lite`, `-full`): a pose model whose landmark stage also outputs a
//   person mask, for the crop around the one person it follows. The pose demo's own module
//   (demos/posenet/poses.js) builds it and hands back that mask, already projected onto the
//   whole frame (zero outside the crop); this file only reads it. The frame arrives scaled,
//   never squashed: the pose library pads and crops it itself.
//
// Either way the mask goes back to the page as bytes (0..255), one per mask pixel, transferred
// without a copy; the page stretches it over the frame it shows and composites there, the same
// way for both.
//
// Why not @tensorflow-models/body-segmentation? Its MediaPipe Selfie Segmentation tfjs
// runtime reads channel 1 of a two-channel output, and this file has one channel (it fails
// with "Unsupported number of tensor channels 0", checked with 1.0.2). The pipeline is short
// enough to write here, and the manifest says how to read the output (`segmentation`).
import { modelFromArtifacts, warmUp } from '/static/models.js';
import { fromCapturedFrame } from '/static/preprocess.js';
import * as pose from '/demos/posenet/poses.js';

// A pixel counts as the person above this probability (for `coverage`, not for drawing: the
// page draws the soft mask itself).
const PERSON_PROBABILITY = 0.5;

let model = null; // the segmentation model (BlazePose's models live in poses.js)
let manifest = null;

const isBlazePose = (m) => m.pose?.family === 'blazepose';

// {manifest, artifacts}, and for BlazePose also {detector: {artifacts}, frameSize} (poses.js).
export async function load(payload) {
  manifest = payload.manifest;
  if (isBlazePose(manifest)) {
    const { warmupMs } = await pose.load(payload);
    return { warmupMs };
  }
  if (!manifest.segmentation) {
    throw new Error(`"${manifest.id}" is not a person segmentation model (its manifest has no "segmentation" section).`);
  }
  model = await modelFromArtifacts(manifest, payload.artifacts);
  return { warmupMs: await warmUp(model, manifest.input) };
}

// The person probability per pixel, [height, width], from the model's raw output.
function personProbability(output) {
  const { activation, person_channel: channel } = manifest.segmentation;
  const [, height, width, channels] = output.shape;
  const plane = (c) => output.slice([0, 0, 0, c], [1, height, width, 1]).reshape([height, width]);
  if (activation === 'sigmoid') return plane(channel); // already 0..1
  if (activation === 'softmax' && channels === 2) {
    // Two logits per pixel (background, person): their difference is the person's log-odds.
    return tf.sigmoid(plane(channel).sub(plane(1 - channel)));
  }
  throw new Error(`Unknown segmentation output: activation "${activation}" with ${channels} channels.`);
}

// One frame -> {mask: Uint8Array (height × width, 0..255), width, height, coverage, people, score}.
// coverage: the fraction of the frame the model is sure is a person (probability > 0.5),
// so the page can say "nobody here" without reading the mask. people and score: for BlazePose,
// how many people it follows (0 or 1) and its pose score; a segmentation model does not count
// people (null).
// `reset`: a new picture starts (another camera or file): BlazePose forgets where the person
// was and its mask history.
export async function run(frame, { reset = false } = {}) {
  if (isBlazePose(manifest)) return blazePoseMask(frame, reset);
  const [bytes, coverage] = tf.tidy(() => {
    const probability = personProbability(model.predict(fromCapturedFrame(frame, manifest.input)));
    return [probability.mul(255).round().toInt(), probability.greater(PERSON_PROBABILITY).toFloat().mean()];
  });
  const [height, width] = bytes.shape;
  const [values, [share]] = await Promise.all([bytes.data(), coverage.data()]);
  tf.dispose([bytes, coverage]);
  return { mask: Uint8Array.from(values), width, height, coverage: share, people: null, score: null };
}

// BlazePose's mask at the frame's size. When it finds nobody there is no mask: an empty one
// (all background) is sent, so the page never keeps showing the last person's outline.
async function blazePoseMask(frame, reset) {
  const { width, height } = frame;
  const { poses } = await pose.run(frame, { reset, mask: true });
  const found = poses[0]?.mask;
  const mask = found ? new Uint8Array(found.data.buffer) : new Uint8Array(width * height);
  let person = 0;
  for (const value of mask) person += value > PERSON_PROBABILITY * 255;
  return {
    mask,
    width: found?.width ?? width,
    height: found?.height ?? height,
    coverage: person / mask.length,
    people: poses.length,
    score: poses[0]?.score ?? null,
  };
}

export function dispose() {
  model?.dispose();
  model = null;
  pose.dispose();
}
