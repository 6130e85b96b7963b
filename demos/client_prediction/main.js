// Client-side prediction with server-side preprocessing.
//
// The browser sends the raw file to POST /api/prepare?model=<id>. The server decodes it,
// crops and resizes it and normalises the pixels exactly as the model's manifest says, and
// answers the finished input tensor. The browser only has to wrap those numbers in a tensor
// and run the model. Splitting the work this way keeps heavy decoding (huge photos, formats
// the browser lacks) on the server and the model, and the user's photo's prediction, here.
import { setupBackend } from '/static/backend.js';
import { probabilities, topK } from '/static/classify.js';
import { demo, showError, clearError } from '/static/demo_state.js';
import { renderBars } from '/static/draw.js';
import { listModels, loadClassifier } from '/static/models.js';
import { params } from '/static/params.js';
import { preprocess } from '/static/preprocess.js';
import { Stats } from '/static/stats.js';
import { onFileChosen } from '/static/camera.js';

const $ = (id) => document.getElementById(id);
const stats = new Stats();
const state = { model: null, manifest: null, labels: null };
const ms = (v) => `${v.toFixed(1)} ms`;

// The server's answer -> a tf.Tensor. The values travel as base64 of little-endian bytes,
// four times smaller than a JSON list of numbers.
function tensorFromAnswer({ shape, dtype, data }) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const values = dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
  return tf.tensor(values, shape, dtype);
}

async function prepareOnServer(file) {
  const started = performance.now();
  const response = await fetch(`/api/prepare?model=${encodeURIComponent(state.manifest.id)}`, {
    method: 'POST',
    headers: { 'Content-Type': file.type || 'application/octet-stream' },
    body: file,
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error ?? `The server answered ${response.status}.`);
  return { answer, roundTripMs: performance.now() - started };
}

async function classifyFile(file) {
  clearError();
  $('preview').src = URL.createObjectURL(file);
  $('preview').hidden = false;
  const { answer, roundTripMs } = await prepareOnServer(file);
  const input = tensorFromAnswer(answer);

  stats.begin();
  const probs = tf.tidy(() => probabilities(state.model.predict(input), state.manifest.output));
  const top = await topK(probs, state.labels, 5);
  stats.end();
  const predictMs = demo.latencyMs;
  probs.dispose();

  // The same photo through the browser's own preprocessing: the two must agree.
  await $('preview').decode();
  const difference = tf.tidy(() => preprocess($('preview'), state.manifest.input).sub(input).abs().max().dataSync()[0]);
  input.dispose();

  renderBars($('top5'), top);
  $('t-roundtrip').textContent = ms(roundTripMs);
  $('t-decode').textContent = ms(answer.timing.decode_ms);
  $('t-preprocess').textContent = ms(answer.timing.preprocess_ms);
  $('t-predict').textContent = ms(predictMs);
  $('compare').textContent = `The server's tensor ${answer.shape.join('×')} (${answer.source.width}×${answer.source.height} photo) `
    + `differs from the browser's own preprocessing by at most ${difference.toPrecision(2)}.`;
  stats.render();
  demo.result = {
    top,
    timing: { roundTripMs, ...answer.timing, predictMs },
    maxDifference: difference,
  };
}

async function useModel(id) {
  demo.ready = false;
  const { manifest, model, labels, loadNote } = await loadClassifier(id);
  state.model?.dispose();
  Object.assign(state, { model, manifest, labels });
  stats.setNote(loadNote);
  demo.model = id;
  demo.ready = true;
}

async function main() {
  const { backend, note } = await setupBackend();
  stats.setBackend(backend, note);
  const installed = await listModels('image-classification');
  if (!installed.length) throw new Error('No image classifier is installed. Run: python -m converters defaults');
  for (const m of installed) $('model').append(new Option(m.title ?? m.id, m.id));
  const preferred = $('demo').dataset.models.split(' ').filter(Boolean);
  $('model').value = params.get('model') ?? preferred.find((id) => installed.some((m) => m.id === id)) ?? installed[0].id;
  $('model').addEventListener('change', () => useModel($('model').value).catch(showError));
  onFileChosen($('file'), $('dropzone'), (file) => classifyFile(file).catch(showError));
  await useModel($('model').value);
}

main().catch(showError);
