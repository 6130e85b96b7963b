// The page around the model: the model description and the pause button. No TensorFlow
// here; main.js has the frame loop and classifier.js the ML.
import { inputSize } from '/static/preprocess.js';

export const $ = (id) => document.getElementById(id);

export function setModelInfo(text) {
  $('model-info').textContent = text;
}

export function describeModel(manifest, warmupMs) {
  const { height, width } = inputSize(manifest.input);
  setModelInfo(`${manifest.title}: ${width}×${height} input, ${manifest.output.classes} classes, `
    + `${(manifest.weight_bytes / 1e6).toFixed(1)} MB of weights${manifest.quantization ? ` (${manifest.quantization})` : ''}. `
    + `First prediction (warm-up): ${warmupMs.toFixed(0)} ms.`);
}

// onToggle(paused) is called with the new state; the button says what a click will do.
export function bindPause(onToggle) {
  let paused = false;
  $('pause').addEventListener('click', () => {
    paused = !paused;
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    onToggle(paused);
  });
}
