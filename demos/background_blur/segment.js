// The model's side of the background demo. It runs where inference runs: in the inference
// worker (server/static/inference_worker.js), or on the page with ?worker=0.
//
// A frame arrives as an ImageBitmap already squashed to the model's input (256 × 256 for
// `selfie`: main.js `capture`). The model answers, for every one of its input pixels, how
// likely that pixel belongs to a person: a soft mask of numbers between 0 and 1. It goes
// back to the page as bytes (0..255), one per mask pixel, transferred without a copy; the
// page stretches it over the frame it shows and composites there.
//
// Why not @tensorflow-models/body-segmentation? Its MediaPipe Selfie Segmentation tfjs
// runtime reads channel 1 of a two-channel output, and this file has one channel (it fails
// with "Unsupported number of tensor channels 0", checked with 1.0.2). The pipeline is short
// enough to write here, and the manifest says how to read the output (`segmentation`).
import { modelFromArtifacts, warmUp } from '/static/models.js';
import { fromCapturedFrame } from '/static/preprocess.js';

let model = null;
let manifest = null;

export async function load(payload) {
  manifest = payload.manifest;
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

// One frame -> {mask: Uint8Array (height × width, 0..255), width, height, coverage}.
// coverage: the fraction of the frame the model is sure is a person (probability > 0.5),
// so the page can say "nobody here" without reading the mask.
export async function run(frame) {
  const [bytes, coverage] = tf.tidy(() => {
    const probability = personProbability(model.predict(fromCapturedFrame(frame, manifest.input)));
    return [probability.mul(255).round().toInt(), probability.greater(0.5).toFloat().mean()];
  });
  const [height, width] = bytes.shape;
  const [values, [share]] = await Promise.all([bytes.data(), coverage.data()]);
  tf.dispose([bytes, coverage]);
  return { mask: Uint8Array.from(values), width, height, coverage: share };
}

export function dispose() {
  model?.dispose();
  model = null;
}
