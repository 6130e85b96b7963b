// Handwritten digits: a CNN trained on MNIST (python -m converters train mnist) reads what
// you draw. The model only knows MNIST's digits, so the drawing is turned into one: that
// preprocessing matters as much as the network.
import { setupBackend } from '/static/backend.js';
import { demo, showError } from '/static/demo_state.js';
import { renderBars } from '/static/draw.js';
import { loadClassifier } from '/static/models.js';
import { params } from '/static/params.js';
import { preprocess } from '/static/preprocess.js';
import { Sketchpad } from '/static/sketchpad.js';
import { Stats } from '/static/stats.js';

const $ = (id) => document.getElementById(id);
const stats = new Stats();
const state = { model: null, manifest: null, labels: null, busy: false, again: false };

// MNIST's recipe: each digit was scaled to fit a 20 × 20 box (keeping its aspect ratio) and
// placed in a 28 × 28 image so that its centre of mass sits at the centre. We do the same to
// the drawing, in canvases, and the model gets exactly what it was trained on.
const fitted = document.createElement('canvas');
function toMnist(pad, view) {
  const box = pad.inkBox();
  const out = view.getContext('2d', { willReadFrequently: true });
  out.fillStyle = '#000';
  out.fillRect(0, 0, 28, 28);
  if (!box) return false;

  // 1. Crop to the ink and fit it into 20 × 20. Drawing the big canvas small with
  //    high-quality smoothing averages the pixels, like MNIST's anti-aliasing.
  const scale = 20 / Math.max(box.width, box.height);
  fitted.width = Math.max(1, Math.round(box.width * scale));
  fitted.height = Math.max(1, Math.round(box.height * scale));
  const small = fitted.getContext('2d', { willReadFrequently: true });
  small.imageSmoothingQuality = 'high';
  small.drawImage(pad.canvas, box.x, box.y, box.width, box.height, 0, 0, fitted.width, fitted.height);

  // 2. The centre of mass of the ink (pixel centres are at x + 0.5).
  const { data } = small.getImageData(0, 0, fitted.width, fitted.height);
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < fitted.height; y++) {
    for (let x = 0; x < fitted.width; x++) {
      const v = data[(y * fitted.width + x) * 4];
      mass += v;
      cx += (x + 0.5) * v;
      cy += (y + 0.5) * v;
    }
  }
  // 3. Shift so that it lands on the centre of the 28 × 28 image.
  out.drawImage(fitted, Math.round(14 - cx / mass), Math.round(14 - cy / mass));
  return true;
}

async function predict() {
  // One prediction at a time; if the drawing changed meanwhile, run once more at the end.
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  try {
    const pad = state.pad;
    if (!toMnist(pad, $('view'))) {
      renderDigits(null);
      demo.result = null;
      return;
    }
    stats.begin();
    // [1, 28, 28, 1], values 0..1 (the manifest: mean 0, std 255, one grey channel).
    const probs = tf.tidy(() => state.model.predict(preprocess($('view'), state.manifest.input)).squeeze());
    const values = await probs.data();
    probs.dispose();
    stats.end();
    stats.render();
    const all = Array.from(values, (probability, i) => ({ label: state.labels[i], probability }));
    renderDigits(all);
    demo.result = { top: [...all].sort((a, b) => b.probability - a.probability) };
  } finally {
    state.busy = false;
    if (state.again) {
      state.again = false;
      predict();
    }
  }
}

// Bars in digit order (0 at the top), so the eye can follow them while drawing.
function renderDigits(all) {
  renderBars($('bars'), all ?? state.labels.map((label) => ({ label, probability: 0 })));
}

async function main() {
  const { backend, note } = await setupBackend();
  stats.setBackend(backend, note);
  const { manifest, model, labels, loadNote, warmupMs } = await loadClassifier(
    params.get('model') ?? $('demo').dataset.models.split(' ')[0]);
  Object.assign(state, { model, manifest, labels });
  stats.setNote(loadNote);
  const accuracy = manifest.training?.test_accuracy;
  $('model-info').textContent = `${manifest.title}${accuracy ? `: ${(accuracy * 100).toFixed(2)}% right on ${manifest.training.test_examples} held-out digits` : ''}. `
    + `Warm-up ${warmupMs.toFixed(0)} ms.`;
  demo.model = manifest.id;

  state.pad = new Sketchpad($('pad'), { lineWidth: 0.07, onChange: () => predict().catch(showError) });
  $('clear').addEventListener('click', () => state.pad.clear());
  renderDigits(null);
  demo.ready = true;
}

main().catch(showError);
