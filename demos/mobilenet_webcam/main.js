// Live image classification: any installed ImageNet classifier names what the camera sees.
//
//   page (this file)                          inference worker (classifier.js)
//   camera frame -> the crop the model sees,  -> preprocess as the manifest says -> model
//   scaled to its input size (ImageBitmap)       -> softmax -> top 5
//   bars for the top 5                        <- [{index, label, probability} × 5]
//
// Everything model-specific (input size, value range, crop, background class, labels) comes
// from the model's manifest, so any installed classifier works without a line of code.
import { demo, showError } from '/static/demo_state.js';
import { renderBars } from '/static/draw.js';
import { FrameLoop } from '/static/frame_loop.js';
import { FrameSource } from '/static/frame_source.js';
import { startLiveInference } from '/static/inference.js';
import { ModelSwitcher, fillModelChoices } from '/static/model_choice.js';
import { describeLoad, fetchArtifacts, fetchManifest, loadLabels } from '/static/models.js';
import { cropRect } from '/static/preprocess.js';
import { Stats } from '/static/stats.js';
import * as ui from './ui.js';

const stats = new Stats();
let manifest = null; // the manifest of the model in use
let inference = null; // where the model runs (inference.js)
let inferenceStarted = null; // ...as a promise, while it starts (see main)

// What the model is shown of each frame: the centred crop it was trained on, scaled to its
// input size by the browser as it captures the frame (preprocess.js explains why).
function capture(size) {
  return cropRect(size, manifest.input);
}

const source = new FrameSource({ onChange: () => loop.restart(), onStop: () => loop.stop() });
const loop = new FrameLoop({
  source,
  capture,
  infer: (bitmap) => inference.run(bitmap),
  draw: ({ result }) => {
    renderBars(ui.$('top5'), result.top);
    demo.result = { top: result.top, source: source.kind };
  },
  stats,
  onError: showError,
});

// Fetch the model's files (from the browser's cache when it holds this version), then hand
// them to wherever inference runs, which builds the model and warms it up.
async function useModel(id) {
  demo.ready = false;
  ui.setModelInfo(`Loading ${id}…`);
  const next = await fetchManifest(id);
  const [loaded, labels] = await Promise.all([fetchArtifacts(next), loadLabels(next)]);
  await inferenceStarted; // the worker started while the files were read
  await loop.stop(); // the old model's last frame finishes before it is replaced
  const { warmupMs } = await inference.load({ manifest: next, artifacts: loaded.artifacts, labels });
  manifest = next;
  demo.model = id;
  demo.timings = { loadMs: loaded.ms, loadSource: loaded.source, warmupMs };
  stats.setNote(describeLoad(loaded));
  ui.describeModel(manifest, warmupMs);
  stats.reset();
  demo.ready = true;
  loop.start();
}

async function main() {
  const switcher = new ModelSwitcher({ select: ui.$('model'), use: useModel, onError: showError });
  // Start-up, overlapped: the worker loads TF.js and its backend (the slow part) while the
  // page lists the models, opens the camera and reads the first model's files (useModel).
  inferenceStarted = startLiveInference({ task: new URL('./classifier.js', import.meta.url), loop, stats, switcher }).then((started) => {
    inference = started;
  });
  const modelId = await fillModelChoices(ui.$('model'), { task: 'image-classification' });
  ui.bindPause((paused) => loop.setPaused(paused).catch(showError));
  await source.start();
  await switcher.switchTo(modelId);
}

main().catch(showError);
