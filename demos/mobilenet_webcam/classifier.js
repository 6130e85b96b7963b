// The model's side of the demo. It runs where inference runs: in the inference worker
// (server/static/inference_worker.js), or on the page with ?worker=0. It never touches the
// page: frames come in as ImageBitmaps, already cropped and scaled to the model's input by
// the page (main.js `capture`), and the top 5 goes back as plain data.
import { probabilities, topK } from '/static/classify.js';
import { modelFromArtifacts, warmUp } from '/static/models.js';
import { fromCapturedFrame } from '/static/preprocess.js';

let model = null; // the tf.GraphModel or tf.LayersModel
let manifest = null;
let labels = null;

// {manifest, artifacts, labels}: the page read the artifacts from its cache (model_cache.js)
// and moved them here. Returns how long the warm-up took.
export async function load(payload) {
  ({ manifest, labels } = payload);
  model = await modelFromArtifacts(manifest, payload.artifacts);
  // Warm-up: the first prediction compiles kernels and allocates memory, many times slower
  // than the next, so it runs on zeros now, not on the first frame.
  return { warmupMs: await warmUp(model, manifest.input) };
}

export async function run(frame) {
  // tf.tidy frees the frame's tensor, the normalised copy and the raw output once we have
  // the probabilities; without it every frame would leak a handful of tensors.
  const probs = tf.tidy(() => probabilities(model.predict(fromCapturedFrame(frame, manifest.input)), manifest.output));
  const top = await topK(probs, labels, 5);
  probs.dispose();
  return { top };
}

// The weights live in the backend's memory (wasm heap or GPU textures), not JavaScript's.
export function dispose() {
  model?.dispose();
  model = null;
}
