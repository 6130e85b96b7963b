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
import { Stats } from '/static/stats.js';

const $ = (id) => document.getElementById(id);
const stats = new Stats();
const state = { model: null, manifest: null, labels: null, busy: false, again: false };

// The Quick Draw bitmaps were rendered from the players' strokes: the drawing scaled so its
// longer side fills the 28 × 28 square, with thin anti-aliased lines. Rendering our strokes
// the same way (rather than shrinking the big canvas, where a small drawing would become a
// blob of thick lines) gives the model what it was trained on, whatever the screen's
// pixel density: the strokes are kept in backing-store pixels, devicePixelRatio included.
const LINE_WIDTH = 1.4; // pixels at 28 × 28, as thin as the training data (plus augmentation)
function toQuickDraw(pad, view) {
  const ctx = view.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, 28, 28);
  const box = pad.pathBox();
  if (!box) return false;
  // Square around the drawing's centre, so the longer side fills the frame, with a
  // margin of half a line so the outermost strokes are not clipped.
  const side = Math.max(box.width, box.height, 1);
  const scale = (28 - LINE_WIDTH) / side;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  ctx.setTransform(scale, 0, 0, scale, 14 - cx * scale, 14 - cy * scale);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = LINE_WIDTH / scale;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const path of pad.paths) {
    ctx.beginPath();
    path.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (path.length === 1) ctx.lineTo(path[0][0] + 0.01, path[0][1]); // a dot
    ctx.stroke();
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  return true;
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
    demo.result = { top: top.map(({ label, probability }) => ({ label, probability })) };
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
