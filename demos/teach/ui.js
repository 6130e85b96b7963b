// The page around the classifier: class cards (name, record button, uploads, thumbnails),
// the training controls, the charts, the held-out evaluation and the messages. No TensorFlow
// here; main.js has the flow and trainer.js the ML.
import { lineChart, warmUpFont } from '/static/chart.js';

export const $ = (id) => document.getElementById(id);

const TRAIN_COLOUR = '#e8710a';
const HELD_COLOUR = '#1a73e8';

// A message that stays until the next one (a refusal, a warning, a save failure).
export function say(text) {
  $('message').textContent = text ?? '';
  $('message').hidden = !text;
}

export function setText(id, text) {
  $(id).textContent = text;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// One card per class. `on` = {rename(id, name), remove(id), record(id, holding), upload(id, files),
// removeExample(id)}. Thumbnails use object URLs made once per example (example.url).
export function renderClasses(classes, examples, on) {
  const box = $('classes');
  box.replaceChildren();
  for (const cls of classes) {
    const mine = examples.filter((e) => e.classId === cls.id);
    const name = el('input', { className: 'name', value: cls.name, maxLength: 40 });
    name.dataset.testid = 'class-name';
    name.addEventListener('change', () => on.rename(cls.id, name.value));
    const record = el('button', { className: 'record', textContent: 'Hold to record' });
    record.dataset.testid = 'record';
    // Recording lasts as long as the button is held: pointer capture keeps the "up" even
    // when the pointer leaves the button.
    record.addEventListener('pointerdown', (event) => {
      record.setPointerCapture?.(event.pointerId);
      record.classList.add('on');
      on.record(cls.id, true);
    });
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      record.addEventListener(type, () => {
        record.classList.remove('on');
        on.record(cls.id, false);
      });
    }
    const files = el('input', { type: 'file', multiple: true, accept: 'image/*' });
    files.dataset.testid = 'upload';
    files.addEventListener('change', () => {
      on.upload(cls.id, [...files.files]);
      files.value = '';
    });
    const remove = el('button', { textContent: 'Delete class' });
    remove.dataset.testid = 'delete-class';
    remove.addEventListener('click', () => on.remove(cls.id));
    const count = el('span', { className: 'count', textContent: `${mine.length} example${mine.length === 1 ? '' : 's'}` });
    count.dataset.testid = 'count';
    const thumbs = el('div', { className: 'thumbs' });
    for (const example of mine.slice(-60)) {
      const del = el('button', { textContent: '×', title: 'Delete this example' });
      del.dataset.testid = 'delete-example';
      del.addEventListener('click', () => on.removeExample(example.id));
      thumbs.append(el('figure', {}, el('img', { src: example.url, alt: `${cls.name} example` }), del));
    }
    if (mine.length > 60) thumbs.append(el('span', { className: 'meta', textContent: `(and ${mine.length - 60} older)` }));
    const card = el('section', { className: 'class-card' },
      el('div', { className: 'class-head' }, name, count, record, el('label', { className: 'button-like' }, 'Upload', files), remove),
      thumbs);
    files.hidden = true;
    card.dataset.testid = 'class-card';
    card.dataset.classId = cls.id;
    // Drop pictures straight onto a class.
    card.addEventListener('dragover', (event) => {
      event.preventDefault();
      card.classList.add('drop');
    });
    card.addEventListener('dragleave', () => card.classList.remove('drop'));
    card.addEventListener('drop', (event) => {
      event.preventDefault();
      card.classList.remove('drop');
      on.upload(cls.id, [...event.dataTransfer.files]);
    });
    box.append(card);
  }
}

// Only the counters, while recording (re-rendering every card 20 times a second would flicker).
export function updateCount(classId, n) {
  const count = document.querySelector(`.class-card[data-class-id="${classId}"] .count`);
  if (count) count.textContent = `${n} example${n === 1 ? '' : 's'}`;
}

export function bindTraining({ train, stop, addClass }) {
  $('train').addEventListener('click', train);
  $('stop').addEventListener('click', stop);
  const add = () => {
    addClass($('new-class').value);
    $('new-class').value = '';
  };
  $('add-class').addEventListener('click', add);
  $('new-class').addEventListener('keydown', (event) => event.key === 'Enter' && add());
}

export function bindProject({ exportModel, exportExamples, importExamples, reset }) {
  $('export-model').addEventListener('click', exportModel);
  $('export-examples').addEventListener('click', exportExamples);
  $('import-examples').addEventListener('change', () => {
    const [file] = $('import-examples').files;
    $('import-examples').value = '';
    if (file) importExamples(file);
  });
  $('reset').addEventListener('click', reset);
}

export function trainingSettings() {
  return {
    epochs: Math.max(1, Math.min(500, Math.round(Number($('epochs').value) || 1))),
    learningRate: Number($('learning-rate').value),
    batchSize: Number($('batch-size').value),
    fresh: $('fresh').checked,
  };
}

export function setTraining(running) {
  $('train').disabled = running;
  $('stop').disabled = !running;
}

// history: [{epoch, loss, accuracy, valLoss, valAccuracy}]; an empty one clears the charts (and
// looks the labels' font up, so that the first epoch's chart is quick).
export function drawCharts(history) {
  if (!history.length) warmUpFont($('loss-chart'));
  const series = (key, colour) => ({ points: history.filter((h) => h[key] != null).map((h) => [h.epoch, h[key]]), color: colour });
  lineChart($('loss-chart'), [series('loss', TRAIN_COLOUR), series('valLoss', HELD_COLOUR)], { xLabel: 'epoch', yLabel: 'loss', xMin: 1 });
  lineChart($('accuracy-chart'), [series('accuracy', TRAIN_COLOUR), series('valAccuracy', HELD_COLOUR)],
    { xLabel: 'epoch', yLabel: 'accuracy', xMin: 1, yMin: 0, yMax: 1 });
}

// evaluation: {names, confusion (rows: true class, columns: predicted), perClass, accuracy, heldOut, k}
// options.knn: it is the k-NN's; options.other: the other classifier's, on the same split,
// said in one line for comparison.
export function renderEvaluation(evaluation, { knn = false, other = null } = {}) {
  const box = $('evaluation');
  box.replaceChildren();
  if (!evaluation) return;
  if (!evaluation.heldOut) {
    box.append(el('p', { className: 'meta', textContent: 'No held-out examples: add at least 5 per class to measure the classifier on examples it was not trained on.' }));
    return;
  }
  const { names, confusion, perClass, accuracy, heldOut } = evaluation;
  const who = knn ? `k-NN (k = ${evaluation.k})` : 'Trained head';
  box.append(el('p', {}, `${who}, held out: ${heldOut} examples, ${(accuracy * 100).toFixed(0)}% right.`));
  if (other?.heldOut) {
    const them = knn ? 'The trained head, at its last training' : `The k-NN (k = ${other.k})`;
    box.append(el('p', { className: 'meta' }, `${them}: ${(other.accuracy * 100).toFixed(0)}% of ${other.heldOut} held-out examples.`));
  }
  const head = el('tr', {}, el('th', { textContent: 'true ↓ / predicted →' }), ...names.map((n) => el('th', { textContent: n })), el('th', { textContent: 'right' }));
  const rows = confusion.map((row, i) => el('tr', {},
    el('th', { textContent: names[i] }),
    ...row.map((n, j) => el('td', { textContent: String(n), className: i === j ? 'hit' : '' })),
    el('td', { textContent: perClass[i] == null ? '–' : `${(perClass[i] * 100).toFixed(0)}%` })));
  const table = el('table', { className: 'data-table confusion' }, el('thead', {}, head), el('tbody', {}, ...rows));
  table.dataset.testid = 'confusion';
  box.append(table);
}

// Hand a Blob to the person as a file download.
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The project's mode (Image or Pose). `change(mode)` decides whether it really changes
// (main.js asks first); setMode puts the choice back when it does not.
export function bindMode(change) {
  $('mode').addEventListener('change', () => change($('mode').value));
}

export function setMode(mode) {
  $('mode').value = mode;
}

// ---- which classifier answers: the trained head or the k-NN --------------------------------

export function bindClassifier({ choose }) {
  const chosen = () => choose(document.querySelector('input[name=classifier]:checked').value, Number($('knn-k').value));
  for (const radio of document.querySelectorAll('input[name=classifier]')) radio.addEventListener('change', chosen);
  $('knn-k').addEventListener('change', chosen);
}

// The controls for the chosen mode: training's in 'head' mode, k and the reason there is no
// model export in 'knn' mode.
export function showClassifier(mode, k, noExport) {
  const knn = mode === 'knn';
  document.querySelector(`input[name=classifier][value=${mode}]`).checked = true;
  $('knn-k').value = String(k);
  $('knn-k').disabled = !knn;
  $('knn-note').hidden = !knn;
  $('head-controls').hidden = knn;
  $('export-model').disabled = knn;
  $('export-note').hidden = !knn;
  $('export-note').textContent = knn ? noExport : '';
}
