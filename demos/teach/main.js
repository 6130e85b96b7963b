// Teach a classifier: name a few classes, show the camera (or upload photos of) each, train a
// small model on top of a pretrained one, and watch it tell them apart, live.
//
//   page (this file)                          inference worker (trainer.js)
//   camera frame or photo -> 224×224 square   -> EfficientNet-Lite0 up to its pooled features
//     (kept as a JPEG, with its embedding)    <- the embedding: 1280 numbers per example
//   examples -> a training / held-out split   -> startTraining: tensors, a fresh or kept head
//   one epoch at a time: chart, stop button   -> epoch: head.fit over every example once
//   confusion matrix on the held-out examples <- finishTraining: predictions, the head's weights
//   live frames                               -> predict: embedding -> head -> a bar per class
//
// Or the instant mode, k nearest neighbours (knn.js, in the worker too): no training; each
// example's embedding joins the k-NN as it is embedded, and the next frame is answered by a
// vote of the k most similar examples.
//
// The page never waits on TensorFlow: every model call goes to the worker, so recording,
// training and predicting leave the page's own thread free to draw.
//
// Pose mode (modes.js) runs PoseNet instead of EfficientNet-Lite0 (pose_features.js): the
// whole frame goes to the worker, and its 14,739 numbers are what Teachable Machine's pose
// library computes, so the head exported from here predicts the same there.
import { demo, showError } from '/static/demo_state.js';
import { prepareOverlay, renderBars } from '/static/draw.js';
import { FrameLoop } from '/static/frame_loop.js';
import { FrameSource } from '/static/frame_source.js';
import { startInference } from '/static/inference.js';
import { describeLoad, fetchArtifacts, fetchManifest } from '/static/models.js';
import { params } from '/static/params.js';
import { Stats } from '/static/stats.js';
import { zipSync, strToU8 } from '/vendor/fflate/browser.js';
import { MIN_PERSON_SCORE, MODES, drawPoseOverlay } from './modes.js';
import { ProjectStore, describeSaveError, examplesZip, readExamplesZip } from './project.js';
import * as ui from './ui.js';

const MAX_CLASSES = 10;
const HELD_OUT_EVERY = 5; // every 5th example of a class (by age) is held out: 20%
const UNBALANCED_RATIO = 3; // warn when one class has 3 times the examples of another
const JPEG_QUALITY = 0.85;
const KNN_DEFAULT_K = 3; // the library's default: an odd k breaks two-class ties, 3 works from 2 examples a class
const KNN_EVALUATE_AFTER_MS = 400; // the held-out measure waits until the examples stop changing

const stats = new Stats();
let inference = null;
let manifest = null; // the base model's manifest
let base = null; // what the worker said about the base: {featureSize, skeleton, settings}
let store = null; // ProjectStore, or null when IndexedDB is unavailable
// The project, as the page holds it. `head` is the trained classifier: its weights (for
// IndexedDB and the worker) and which class each of its outputs is. `classifier` says which
// one answers: 'head' (trained) or 'knn' (instant, with `k` neighbours).
const project = { mode: 'image', classes: [], examples: [], nextId: 1, head: null, classifier: 'head', k: KNN_DEFAULT_K };
const mode = () => MODES[project.mode];
let recording = null; // the class id being recorded, while its button is held
let stopRequested = false;
// What the page measures as it goes (window.__demo.teach.measured; bench/teach.py reads it).
const measured = { embedMs: [], epochMs: [], knnAddMs: [], classifyMs: [] };
const MEASURED_FRAMES = 200; // classifyMs: the last frames' only, the loop runs for hours

function keepLast(list, value) {
  list.push(value);
  if (list.length > MEASURED_FRAMES) list.shift();
}

const source = new FrameSource({ onChange: () => updateLoop(true), onStop: () => loop.stop() });
const loop = new FrameLoop({
  source,
  capture: (size) => mode().capture(size, manifest),
  infer: (bitmap) => (recording != null ? recordFrame(recording, bitmap) : inference.run(bitmap, { op: 'predict', ...knnOptions() })),
  draw: (answer, frame) => {
    if (answer.result.classifyMs != null) keepLast(measured.classifyMs, answer.result.classifyMs);
    const pose = base.skeleton ? drawPoseOverlay(ui.$('overlay'), answer.result.pose, frame, { skeleton: base.skeleton, mirrored: source.mirrored }) : null;
    showPrediction(answer.result.probabilities, pose);
  },
  stats,
  onError: showError,
});

// The loop runs only when a frame is useful: while recording, or once there is a classifier to
// predict with (pose mode: always, to show the skeleton). Idle, the worker (and the machine's
// fans) rest.
function updateLoop(restart = false) {
  const wanted = Boolean(manifest) && !demo.teach.training && (recording != null || canPredict() || project.mode === 'pose');
  if (wanted && (!loop.active || restart)) loop.start();
  else if (!wanted && loop.active) loop.stop();
}

// ---- examples --------------------------------------------------------------------------

function classById(id) {
  return project.classes.find((c) => c.id === id);
}

function countOf(classId) {
  return project.examples.filter((e) => e.classId === classId).length;
}

function capReached() {
  if (project.examples.length < mode().maxExamples) return false;
  ui.say(`The project holds at most ${mode().maxExamples} examples (each keeps a picture and its embedding in memory). Delete some to add more.`);
  return true;
}

// A captured bitmap (mode().capture) -> an example: its JPEG (drawn before the bitmap moves
// to the worker) and its embedding (computed once, there, now). In pose mode a picture with
// nobody in it is not an example: `answer.noPerson` says so, and nothing is added.
async function addExample(classId, bitmap) {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  const imagePromise = canvas.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY });
  const answer = await inference.run(bitmap, { op: 'embed', ...knnOptions(classId) });
  const image = await imagePromise;
  const pose = answer.result.pose;
  if (pose && pose.score < MIN_PERSON_SCORE) return { ...answer, noPerson: pose.score };
  if (!classById(classId)) return answer; // the class was deleted meanwhile (and the k-NN rebuilt)
  const example = { id: project.nextId++, classId, image, embedding: answer.result.embedding };
  measured.embedMs.push(answer.result.embedMs);
  if (answer.result.knnAddMs != null) measured.knnAddMs.push(answer.result.knnAddMs);
  project.examples.push({ ...example, url: URL.createObjectURL(image) });
  persist(() => store.saveExample(example));
  persist(saveMeta);
  knnChanged();
  return answer;
}

async function recordFrame(classId, bitmap) {
  if (capReached()) {
    bitmap.close();
    recording = null;
    return { result: { probabilities: null } };
  }
  const answer = await addExample(classId, bitmap);
  if (answer.noPerson != null) ui.say('Nobody in view: PoseNet finds no person in the frame, so it is not recorded. Step into the picture.');
  ui.updateCount(classId, countOf(classId));
  return answer;
}

function setRecording(classId, holding) {
  if (holding) {
    if (!source.live) {
      ui.say('Recording needs the camera: there is none here, so upload pictures to each class instead.');
      return;
    }
    recording = classId;
  } else if (recording === classId) {
    recording = null;
    render(); // the new thumbnails
  }
  updateLoop();
}

// Pictures from a file input or a drop. Each is cut as camera frames are (mode().capture).
async function uploadFiles(classId, files) {
  const refused = [];
  let added = 0;
  for (const file of files) {
    if (capReached()) break;
    if (!file.type.startsWith('image/')) {
      refused.push(`${file.name} is not a picture (${file.type || 'unknown type'})`);
      continue;
    }
    let picture;
    try {
      picture = await createImageBitmap(file);
    } catch {
      refused.push(`${file.name} could not be decoded as a picture`);
      continue;
    }
    const crop = mode().capture({ width: picture.width, height: picture.height }, manifest);
    const bitmap = await createImageBitmap(picture, crop.sx, crop.sy, crop.sw, crop.sh, {
      resizeWidth: crop.width, resizeHeight: crop.height, resizeQuality: 'medium',
    });
    picture.close();
    const answer = await addExample(classId, bitmap);
    if (answer.noPerson != null) {
      refused.push(`${file.name} shows no person (PoseNet's keypoints score ${answer.noPerson.toFixed(2)} on average; a person scores over ${MIN_PERSON_SCORE})`);
      continue;
    }
    added += 1;
    ui.updateCount(classId, countOf(classId));
  }
  render();
  ui.say(refused.length ? `Added ${added}; skipped: ${refused.join('; ')}.` : null);
}

function removeExample(id) {
  const example = project.examples.find((e) => e.id === id);
  if (!example) return;
  URL.revokeObjectURL(example.url);
  project.examples = project.examples.filter((e) => e.id !== id);
  persist(() => store.deleteExamples([id]));
  syncKnn().catch(showError);
  render();
}

// ---- classes -----------------------------------------------------------------------------

function addClass(name) {
  name = name.trim() || `Class ${project.classes.length + 1}`;
  if (project.classes.length >= MAX_CLASSES) {
    ui.say(`At most ${MAX_CLASSES} classes in one project.`);
    return;
  }
  if (project.classes.some((c) => c.name === name)) {
    ui.say(`There is already a class named "${name}".`);
    return;
  }
  project.classes.push({ id: project.nextId++, name });
  persist(saveMeta);
  render();
}

function renameClass(id, name) {
  name = name.trim();
  if (!name || project.classes.some((c) => c.name === name && c.id !== id)) {
    ui.say(name ? `There is already a class named "${name}".` : 'A class needs a name.');
    render();
    return;
  }
  classById(id).name = name;
  persist(saveMeta);
  render();
}

function removeClass(id) {
  const gone = project.examples.filter((e) => e.classId === id);
  gone.forEach((e) => URL.revokeObjectURL(e.url));
  project.examples = project.examples.filter((e) => e.classId !== id);
  project.classes = project.classes.filter((c) => c.id !== id);
  persist(() => store.deleteExamples(gone.map((e) => e.id)));
  persist(saveMeta);
  syncKnn().catch(showError); // the class indices after it moved down by one
  render();
}

// ---- training ------------------------------------------------------------------------------

// Why training cannot start now, or null.
function cannotTrain() {
  if (project.classes.length < 2) return 'Training needs two classes or more: a classifier chooses between classes.';
  const empty = project.classes.filter((c) => countOf(c.id) === 0).map((c) => `"${c.name}"`);
  if (empty.length) return `Add examples to ${empty.join(', ')} first (or delete ${empty.length > 1 ? 'those classes' : 'that class'}): every class needs examples.`;
  return null;
}

function balanceWarning() {
  const counts = project.classes.map((c) => countOf(c.id));
  const [least, most] = [Math.min(...counts), Math.max(...counts)];
  if (most < UNBALANCED_RATIO * least) return null;
  return `Unbalanced classes: ${most} examples against ${least}. A classifier learns that the big class is the safe guess; `
    + 'give every class about as many examples.';
}

// Every HELD_OUT_EVERY-th example of each class, oldest first, is kept out of training. The
// split depends only on the examples, so training further measures on the same held-out set.
function split() {
  const train = [];
  const heldOut = [];
  for (const [index, cls] of project.classes.entries()) {
    const mine = project.examples.filter((e) => e.classId === cls.id);
    mine.forEach((e, i) => {
      const held = mine.length >= HELD_OUT_EVERY && i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1;
      (held ? heldOut : train).push({ embedding: e.embedding, label: index });
    });
  }
  return { train, heldOut };
}

function packed(set) {
  const width = set[0]?.embedding.length ?? 0;
  const x = new Float32Array(set.length * width);
  set.forEach((item, i) => x.set(item.embedding, i * width));
  return { x, y: Int32Array.from(set.map((item) => item.label)) };
}

async function train() {
  const problem = cannotTrain();
  if (problem) {
    ui.say(problem);
    return;
  }
  ui.say(balanceWarning());
  const settings = ui.trainingSettings();
  const { train: trainSet, heldOut } = split();
  const names = project.classes.map((c) => c.name);
  const classIds = project.classes.map((c) => c.id);
  // A head trained on other classes cannot be trained further: its outputs mean other things.
  const same = project.head && project.head.classIds.join() === classIds.join();
  stopRequested = false;
  ui.setTraining(true);
  const history = [];
  demo.teach.training = true;
  try {
    // No live predictions while training: the worker's time goes to the epochs, the page's to
    // the chart (with the loop on, capturing frames gave main-thread tasks of up to 98 ms).
    await loop.stop();
    await inference.run(null, {
      op: 'startTraining',
      train: packed(trainSet),
      val: heldOut.length ? packed(heldOut) : null,
      classes: classIds.length,
      learningRate: settings.learningRate,
      batchSize: settings.batchSize,
      fresh: settings.fresh || !same,
    });
    for (let epoch = 1; epoch <= settings.epochs && !stopRequested; epoch++) {
      const { result } = await inference.run(null, { op: 'epoch' });
      history.push({ epoch, ...result });
      measured.epochMs.push(result.epochMs);
      ui.drawCharts(history);
      ui.setText('train-status', `epoch ${epoch}/${settings.epochs}: loss ${result.loss.toFixed(3)}`
        + (result.valLoss != null ? `, held-out loss ${result.valLoss.toFixed(3)}, accuracy ${(result.valAccuracy * 100).toFixed(0)}%` : '')
        + ` (${result.epochMs.toFixed(0)} ms)`);
      demo.teach.history = history;
    }
    const { result } = await inference.run(null, { op: 'finishTraining' });
    project.head = { artifacts: result.artifacts, classIds, names };
    const evaluation = evaluate(names, heldOut, result.predicted);
    demo.teach.evaluation = evaluation;
    ui.renderEvaluation(evaluation, { other: demo.teach.knnEvaluation });
    ui.setText('train-status', `${stopRequested ? 'Stopped' : 'Done'} after ${history.length} epochs on ${trainSet.length} examples.`);
    persist(saveMeta);
    render();
  } finally {
    demo.teach.training = false;
    ui.setTraining(false);
    updateLoop(true);
  }
}

function evaluate(names, heldOut, predicted) {
  if (!heldOut.length) return { names, heldOut: 0 };
  const confusion = names.map(() => names.map(() => 0));
  heldOut.forEach((item, i) => { confusion[item.label][predicted[i]] += 1; });
  const perClass = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[i] / total : null;
  });
  const right = confusion.reduce((n, row, i) => n + row[i], 0);
  return { names, confusion, perClass, accuracy: right / heldOut.length, heldOut: heldOut.length };
}

// ---- k nearest neighbours: the instant mode ------------------------------------------------

const KNN_NO_EXPORT = 'A k-NN has no weights to export: it is its examples, and Teachable Machine\'s format '
  + 'holds a trained network. Choose "Trained head", train, and export that (the same examples teach it), '
  + 'or export the examples, from which a k-NN rebuilds at once.';
let knnTimer = null;

function canPredict() {
  return project.classifier === 'knn' ? project.examples.length > 0 : project.head != null;
}

// What a predict or embed step needs to answer with the k-NN; with a class id, the example
// being embedded also joins it. Nothing in 'head' mode.
function knnOptions(classId = null) {
  if (project.classifier !== 'knn') return {};
  const label = classId == null ? null : project.classes.findIndex((c) => c.id === classId);
  return { knn: { k: project.k, classes: project.classes.length, label } };
}

// The worker's k-NN rebuilt from every example (a reload, a deletion, a switch to k-NN).
// Labels are class indices, so they follow the class list's order.
async function syncKnn() {
  if (project.classifier !== 'knn' || !project.examples.length || !manifest) {
    await inference.run(null, { op: 'knnReset', x: null });
  } else {
    const all = project.examples.map((e) => ({ embedding: e.embedding, label: project.classes.findIndex((c) => c.id === e.classId) }));
    await inference.run(null, { op: 'knnReset', ...packed(all), width: all[0].embedding.length });
  }
  knnChanged();
}

// The held-out measure, once the examples stop changing: the same split() as the head's.
function knnChanged() {
  clearTimeout(knnTimer);
  if (project.classifier !== 'knn') return;
  knnTimer = setTimeout(() => evaluateKnn().catch(showError), KNN_EVALUATE_AFTER_MS);
  updateLoop(!source.live); // a still picture is answered again, with the new examples
}

async function evaluateKnn() {
  if (recording != null) return knnChanged(); // measured when the button is let go
  const { train: trainSet, heldOut } = split();
  const names = project.classes.map((c) => c.name);
  if (!trainSet.length) return;
  let evaluation = { names, heldOut: 0 };
  if (heldOut.length) {
    const { result } = await inference.run(null, {
      op: 'knnEvaluate', train: packed(trainSet), val: packed(heldOut), width: trainSet[0].embedding.length, k: project.k,
    });
    measured.knnPredictMs = result.predictMs;
    evaluation = { ...evaluate(names, heldOut, result.predicted), k: project.k };
  }
  if (project.classifier !== 'knn') return; // switched back meanwhile
  demo.teach.knnEvaluation = evaluation;
  ui.renderEvaluation(evaluation, { knn: true, other: demo.teach.evaluation });
}

async function chooseClassifier(mode, k) {
  project.classifier = mode;
  project.k = Math.max(1, Math.min(50, Math.round(k) || KNN_DEFAULT_K));
  persist(saveMeta);
  await syncKnn();
  if (mode === 'head') {
    ui.renderEvaluation(demo.teach.evaluation, { other: demo.teach.knnEvaluation });
    ui.$('bars').replaceChildren();
  }
  render();
  updateLoop(true);
}

// ---- predictions ----------------------------------------------------------------------------

// `pose` (pose mode): the pose drawn, in the frame's pixels, reported with the prediction.
function showPrediction(probabilities, pose = null) {
  demo.teach.pose = pose && { ...pose, source: source.kind };
  if (!probabilities || !canPredict()) return;
  if (project.classifier === 'knn') {
    showBars(project.classes.map((c) => c.name), probabilities, pose);
    ui.setText('prediction-note', `k-NN: the ${Math.min(project.k, project.examples.length)} most similar of ${project.examples.length} examples vote.`);
    return;
  }
  const names = project.head.classIds.map((id, i) => classById(id)?.name ?? `${project.head.names[i]} (deleted)`);
  showBars(names, probabilities, pose);
  ui.setText('prediction-note', project.head.classIds.join() === project.classes.map((c) => c.id).join()
    ? '' : 'The classes changed since the last training: train again to include them.');
}

function showBars(names, probabilities, pose) {
  const bars = names.map((label, i) => ({ label, probability: probabilities[i] }));
  renderBars(ui.$('bars'), bars);
  const top = [...bars].sort((a, b) => b.probability - a.probability);
  demo.result = { top, source: source.kind, classifier: project.classifier, pose };
}

// ---- keeping the project --------------------------------------------------------------------

function saveMeta() {
  const { mode: kind, classes, nextId, head, classifier, k } = project;
  return store.saveMeta({ mode: kind, classes, nextId, head, classifier, k });
}

// Save in the background; a failure (a full quota) is said on the page and loses nothing here.
function persist(write) {
  if (!store) return;
  write().then(() => {
    if (!demo.teach.saveError) ui.setText('saved', 'Saved in this browser.');
  }, (error) => {
    demo.teach.saveError = error?.name ?? String(error);
    ui.say(describeSaveError(error));
    // Said again where it stays: the message above is replaced by the next one (an upload's).
    ui.setText('saved', describeSaveError(error));
  });
}

// The saved project ({meta, examples} from the store), once its mode's base is loaded.
async function restore({ meta, examples }) {
  if (!meta) return;
  Object.assign(project, { classes: meta.classes, nextId: meta.nextId, head: meta.head });
  // Projects saved before the k-NN mode have neither field.
  Object.assign(project, { classifier: meta.classifier ?? 'head', k: meta.k ?? KNN_DEFAULT_K });
  project.examples = examples.map((e) => ({ ...e, url: URL.createObjectURL(e.image) }));
  if (project.head) await inference.run(null, { op: 'setHead', artifacts: project.head.artifacts });
  await syncKnn(); // the k-NN has no weights to keep: its examples are the project's, rebuilt here
}

async function exportModel() {
  if (project.classifier === 'knn') {
    ui.say(KNN_NO_EXPORT);
    return;
  }
  if (!project.head) {
    ui.say('Train the classifier before exporting it.');
    return;
  }
  const { result } = await inference.run(null, { op: 'exportModel' });
  const modelJson = {
    modelTopology: result.modelTopology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: result.weightSpecs }],
  };
  // The fields Teachable Machine writes, with the mode's own (modes.js): the labels, and the
  // picture size (image) or the PoseNet settings (pose) its library reads.
  const labels = project.head.classIds.map((id, i) => classById(id)?.name ?? project.head.names[i]);
  const metadata = {
    tfjsVersion: tf.version.tfjs,
    tmVersion: null,
    timeStamp: new Date().toISOString(),
    modelName: `teach-${project.mode}-classifier`,
    ...mode().metadata({ labels, manifest, settings: base.settings }),
  };
  const zip = zipSync({
    'model.json': strToU8(JSON.stringify(modelJson)),
    'weights.bin': [new Uint8Array(result.weightData), { level: 0 }], // float weights hardly compress
    'metadata.json': strToU8(JSON.stringify(metadata, null, 2)),
  });
  ui.download(new Blob([zip], { type: 'application/zip' }), project.mode === 'pose' ? 'my-pose-model.zip' : 'my-model.zip');
}

async function exportExamples() {
  if (!project.examples.length) {
    ui.say('There are no examples to export yet.');
    return;
  }
  ui.download(await examplesZip(project.classes, project.examples), 'my-examples.zip');
}

async function importExamples(file) {
  let read;
  try {
    read = await readExamplesZip(file);
  } catch (error) {
    ui.say(error.message);
    return;
  }
  if (!read.found.length) {
    ui.say(`${file.name} holds no pictures in class folders ("<class>/<picture>.jpg").`);
    return;
  }
  const byClass = new Map();
  for (const { className, file: picture, name } of read.found) {
    if (!byClass.has(className)) byClass.set(className, []);
    byClass.get(className).push(new File([picture], name, { type: picture.type }));
  }
  for (const [name, files] of byClass) {
    let cls = project.classes.find((c) => c.name === name);
    if (!cls) {
      addClass(name);
      cls = project.classes.find((c) => c.name === name);
      if (!cls) continue; // refused (too many classes): said on the page
    }
    await uploadFiles(cls.id, files);
  }
  if (read.skipped) ui.say(`Imported; ${read.skipped} files in ${file.name} were not pictures in class folders and were skipped.`);
}

// A new, empty project; `kind` its mode (the current one unless the mode was changed).
async function reset(kind = project.mode) {
  await loop.stop();
  // The new mode's base first: if it cannot load (not installed, say), nothing is deleted yet.
  if (kind !== project.mode) await loadBase(kind);
  project.examples.forEach((e) => URL.revokeObjectURL(e.url));
  Object.assign(project, { mode: kind, classes: [], examples: [], nextId: 1, head: null });
  await inference.run(null, { op: 'setHead', artifacts: null });
  await syncKnn();
  demo.teach.knnEvaluation = null;
  if (store) await store.clear().catch((error) => ui.say(describeSaveError(error)));
  addClass('Class 1');
  addClass('Class 2');
  ui.renderEvaluation(null);
  ui.drawCharts([]);
  ui.$('bars').replaceChildren();
  prepareOverlay(ui.$('overlay'));
  render();
  updateLoop(true);
}

// Another mode is another project (modes.js says why): said, asked, and only then done.
async function changeMode(kind) {
  if (kind === project.mode) return;
  const keeps = project.examples.length || project.head;
  const question = `${MODES[kind].title} mode is a new project: the ${project.examples.length} examples and the trained model `
    + `of this ${mode().title.toLowerCase()} project will be deleted from this browser. Export them first to keep them. Start a new ${MODES[kind].title.toLowerCase()} project?`;
  if (keeps && !window.confirm(question)) {
    ui.setMode(project.mode);
    return;
  }
  try {
    await reset(kind);
  } catch (error) {
    ui.setMode(project.mode); // the project is untouched, in this browser too (a reload restores it)
    throw error;
  }
  ui.say(`A new ${MODES[kind].title.toLowerCase()} project: ${kind === 'pose' ? 'PoseNet finds the person\'s keypoints and the classifier learns your poses.' : 'the classifier learns what your pictures show.'}`);
}

function render() {
  ui.renderClasses(project.classes, project.examples, {
    rename: renameClass,
    remove: removeClass,
    record: setRecording,
    upload: (id, files) => uploadFiles(id, files).catch(showError),
    removeExample,
  });
  ui.setText('cap', `${project.examples.length} of at most ${mode().maxExamples} examples, ${project.classes.length} of at most ${MAX_CLASSES} classes.`);
  demo.teach.classes = project.classes.map((c) => ({ name: c.name, count: countOf(c.id) }));
  demo.teach.trained = Boolean(project.head);
  demo.teach.mode = project.mode;
  demo.teach.classifier = project.classifier;
  demo.teach.k = project.k;
  ui.showClassifier(project.classifier, project.k, KNN_NO_EXPORT);
}

async function main() {
  demo.teach = {
    classes: [], history: [], evaluation: null, knnEvaluation: null, training: false, trained: false, saveError: null, measured, mode: 'image', pose: null,
  };
  inference = await startInference({
    task: new URL('./trainer.js', import.meta.url),
    onLost: async (switched) => {
      await loop.stop(); // the GPU was reset: the base and the head went with it
      const { backend, note } = await switched;
      stats.setBackend(backend, note);
      await loadBase();
      if (project.head) await inference.run(null, { op: 'setHead', artifacts: project.head.artifacts });
      await syncKnn();
      updateLoop(true);
    },
  });
  stats.setBackend(inference.backend, inference.note);
  stats.setWhere(inference.where);
  try {
    store = await ProjectStore.open();
  } catch (error) {
    ui.say(`This browser will not keep the project (${error?.message ?? error}): it lasts until the tab closes.`);
  }
  ui.bindTraining({ train: () => train().catch(showError), stop: () => { stopRequested = true; }, addClass });
  ui.bindClassifier({ choose: (mode, k) => chooseClassifier(mode, k).catch(showError) });
  ui.bindProject({
    exportModel: () => exportModel().catch(showError),
    exportExamples: () => exportExamples().catch(showError),
    importExamples: (file) => importExamples(file).catch(showError),
    reset: () => reset().catch(showError),
  });
  ui.bindMode((kind) => changeMode(kind).catch(showError));
  const saved = store ? await store.load() : { meta: null, examples: [] };
  project.mode = MODES[saved.meta?.mode] ? saved.meta.mode : 'image'; // projects saved before modes were images
  ui.setMode(project.mode);
  await loadBase();
  await restore(saved);
  if (!project.classes.length) {
    addClass('Class 1');
    addClass('Class 2');
  }
  render();
  ui.drawCharts([]); // the font lookup of the charts' labels now, not during the first training
  if (project.head && project.classifier === 'head') ui.setText('prediction-note', 'The classifier trained last time, restored from this browser.');
  await source.start();
  demo.ready = true;
  updateLoop(true);
}

// The base model of a mode, the project's unless told (?model= picks another image base).
async function loadBase(kind = project.mode) {
  const next = await fetchManifest((kind === 'image' && params.get('model')) || MODES[kind].base);
  const loaded = await fetchArtifacts(next);
  base = await inference.load({ manifest: next, artifacts: loaded.artifacts, mode: kind });
  const { warmupMs, featureSize } = base;
  manifest = next;
  demo.model = next.id;
  demo.timings = { loadMs: loaded.ms, loadSource: loaded.source, warmupMs };
  stats.setNote(describeLoad(loaded));
  ui.setText('model-info', `Base: ${next.title}, ${featureSize} features per ${kind === 'pose' ? 'pose' : 'picture'} (warm-up ${warmupMs.toFixed(0)} ms).`);
}

main().catch(showError);
