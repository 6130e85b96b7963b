// Sketch recognition: a CNN trained on Quick Draw drawings of 100 classes
// (python -m converters train quickdraw) guesses what you draw, after every stroke segment.
import { setupBackend } from '/static/backend.js';
import { topK } from '/static/classify.js';
import { demo, showError } from '/static/demo_state.js';
import { renderBars } from '/static/draw.js';
import { loadClassifier } from '/static/models.js';
import { params } from '/static/params.js';
import { preprocess } from '/static/preprocess.js';
import { Sketchpad } from '/static/sketchpad.js';
import { centre, renderStrokes, simplifyStrokes, SIZE } from './quickdraw.js';
import { Stats } from '/static/stats.js';

const $ = (id) => document.getElementById(id);
const stats = new Stats();
const state = { model: null, manifest: null, labels: null, input: null, busy: false, again: false };

// The Quick Draw bitmaps were rendered from the players' strokes: simplified, scaled so
// the longer side fills the 28 × 28 square, drawn with thin anti-aliased lines. Drawing our
// strokes again by exactly those rules (quickdraw.js), rather than shrinking the big canvas,
// where a small drawing would become a blob of thick lines, gives the model what it was
// trained on, whatever the screen's pixel density (the strokes are kept in backing-store
// pixels, devicePixelRatio included). The result goes into the 28 × 28 view canvas, which
// is what preprocess() reads, so the page shows exactly what the model sees.
function toQuickDraw(pad, view) {
  const bitmap = centre(renderStrokes(simplifyStrokes(pad.paths)));
  const ctx = view.getContext('2d', { willReadFrequently: true });
  const image = ctx.createImageData(SIZE, SIZE);
  let inked = false;
  state.input = Array.from(bitmap, (v, i) => {
    const grey = Math.round(v * 255);
    image.data.set([grey, grey, grey, 255], i * 4);
    inked ||= grey > 0;
    return grey / 255;
  });
  ctx.putImageData(image, 0, 0);
  return inked;
}

async function predict() {
  if (state.busy) {
    state.again = true; // the drawing changed while predicting: once more at the end
    return;
  }
  state.busy = true;
  try {
    if (!toQuickDraw(state.pad, $('view'))) {
      renderBars($('top5'), []);
      demo.result = null;
      return;
    }
    stats.begin();
    // [1, 28, 28, 1], white ink on black in 0..1 (mean 0, std 255 in the manifest).
    const probs = tf.tidy(() => state.model.predict(preprocess($('view'), state.manifest.input)).squeeze());
    const top = await topK(probs, state.labels, 5);
    probs.dispose();
    stats.end();
    stats.render();
    renderBars($('top5'), top);
    demo.result = {
      top: top.map(({ label, probability }) => ({ label, probability })),
      input: state.input, // the 28 × 28 the model saw, row-major, 0..1
      strokes: state.pad.paths.map((path) => path.map(([x, y]) => [x, y])),
    };
  } finally {
    state.busy = false;
    if (state.again) {
      state.again = false;
      predict().catch(showError);
    }
  }
}

async function main() {
  const { backend, note } = await setupBackend();
  stats.setBackend(backend, note);
  const { manifest, model, labels, loadNote, warmupMs } = await loadClassifier(
    params.get('model') ?? $('demo').dataset.models.split(' ')[0]);
  Object.assign(state, { model, manifest, labels });
  stats.setNote(loadNote);
  const t = manifest.training;
  $('model-info').textContent = `${manifest.title}${t ? `: held-out top-1 ${(t.test_accuracy * 100).toFixed(1)}%, `
    + `top-5 ${(t.test_top5 * 100).toFixed(1)}% on ${t.test_examples} drawings` : ''}. Warm-up ${warmupMs.toFixed(0)} ms.`;
  $('classes').textContent = labels.join(' · ');
  demo.model = manifest.id;

  state.pad = new Sketchpad($('pad'), { lineWidth: 0.012, onChange: () => predict().catch(showError) });
  $('clear').addEventListener('click', () => state.pad.clear());
  demo.ready = true;
}

main().catch(showError);
