// The model's side of "Teach a classifier". It runs where inference runs: in the inference
// worker (server/static/inference_worker.js), or on the page with ?worker=0. No DOM here:
// pictures come in as ImageBitmaps already cut and scaled by the page, numbers go back.
//
// Transfer learning in three parts:
//   base       EfficientNet-Lite0, trained on 1.3 million ImageNet photos. Frozen: never trained here.
//   extractor  the base cut just before its ImageNet classifier: a picture -> 1280 numbers
//              (the "embedding"), what the base has learnt to see in it
//   head       a tiny tf.sequential trained here on the embeddings of your examples
//
// Pose mode swaps the base and the extractor for PoseNet and the 14,739 numbers Teachable
// Machine's pose library computes from it (pose_features.js); the head and its training are
// the same.
//
// Each example is turned into its embedding once, when it is added (`embed`); training then
// runs on those 1280 numbers, not on pictures, so an epoch over 100 examples is a few
// milliseconds instead of 100 passes through a 4.7-million-parameter network.
import { modelFromArtifacts, warmUp } from '/static/models.js';
import { fromCapturedFrame } from '/static/preprocess.js';
import { KNN_STEPS, forget as forgetKnn, knnAdd, knnProbabilities } from './knn.js';
import { loadPoseFeatures } from './pose_features.js';

const FEATURE_LAYER = 'avg_pool'; // the pooled 1280 features, just before the ImageNet logits
const STEM_KERNEL = 'stem_conv/kernel'; // the first convolution: where the export folds TM's input scale

let base = null; // image mode: the whole EfficientNet-Lite0 (tf.LayersModel)
// {featureSize, features(frame) -> {embedding, padding}, keypoints?(values, frame, padding), dispose?}
let extractor = null;
let mode = 'image';
let head = null; // the trained classifier on the embeddings, or null
let training = null; // {xs, ys, xVal, yVal, batchSize} while a training run is on

// {manifest, artifacts, mode}: the base model's files, read by the page from its cache, and
// the project's mode ('image' or 'pose').
export async function load({ manifest, artifacts, mode: wanted = 'image' }) {
  disposeAll();
  mode = wanted;
  if (mode === 'pose') {
    extractor = await loadPoseFeatures({ manifest, artifacts });
    const { featureSize, warmupMs, skeleton, settings } = extractor;
    return { warmupMs, featureSize, skeleton, settings };
  }
  base = await modelFromArtifacts(manifest, artifacts);
  // The base's layers are shared, not copied: the extractor costs no memory. `trainable =
  // false` is what "freeze" means: fit() would never change these weights even if the base
  // were part of the trained model (it is not, here; the export below joins them).
  base.trainable = false;
  const cut = tf.model({ inputs: base.inputs, outputs: base.getLayer(FEATURE_LAYER).output });
  const spec = manifest.input;
  const warmupMs = await warmUp(cut, spec);
  extractor = {
    featureSize: cut.outputs[0].shape[1],
    features: (frame) => ({ embedding: tf.tidy(() => cut.predict(fromCapturedFrame(frame, spec))) }),
  };
  return { warmupMs, featureSize: extractor.featureSize };
}

// Every step is one call: options.op says which. Frames come only with 'embed' and 'predict'.
export async function run(frame, options) {
  const step = STEPS[options.op];
  if (!step) throw new Error(`Unknown step "${options.op}".`);
  return step(frame, options);
}

const STEPS = {
  // A picture -> its embedding (and the head's guess, when there is a head: the bars stay live
  // while you record). Pose mode adds the pose found in it, in the frame's pixels.
  // In k-NN mode (options.knn = {k, classes, label}) the example joins the k-NN here and now,
  // so the bars of this very answer already count it.
  async embed(frame, options) {
    const started = performance.now();
    const { embedding, padding } = extractor.features(frame);
    const values = await embedding.data();
    const embedMs = performance.now() - started;
    const knnAddMs = options.knn ? knnAdd(embedding, options.knn.label) : null;
    const probabilities = await probabilitiesOf(embedding, options);
    embedding.dispose();
    return { embedding: values, embedMs, knnAddMs, probabilities, pose: extractor.keypoints?.(values, frame, padding) ?? null };
  },

  // classifyMs: the classifier's part alone (head or k-NN), after the embedding.
  async predict(frame, options) {
    const { embedding, padding } = extractor.features(frame);
    const started = performance.now();
    const probabilities = await probabilitiesOf(embedding, options);
    const classifyMs = performance.now() - started;
    // The pose is read from the features themselves (a download only pose mode needs).
    const pose = extractor.keypoints ? extractor.keypoints(await embedding.data(), frame, padding) : null;
    embedding.dispose();
    return { probabilities, classifyMs, pose };
  },

  // A head saved earlier (the project in IndexedDB): {artifacts} or {artifacts: null} to forget it.
  async setHead(_, { artifacts }) {
    head?.dispose();
    head = artifacts ? await tf.loadLayersModel(tf.io.fromMemory(artifacts)) : null;
    return { classes: head ? head.outputs[0].shape[1] : 0 };
  },

  // {train: {x, y}, val: {x, y}, classes, learningRate, batchSize, hidden, fresh}: x is the
  // embeddings, one after the other (Float32Array), y the class index of each (Int32Array).
  async startTraining(_, options) {
    endTraining();
    const { train, val, classes, learningRate, batchSize, fresh } = options;
    const width = extractor.featureSize;
    const tensors = (set) => ({
      x: tf.tensor2d(set.x, [set.y.length, width]),
      y: tf.oneHot(tf.tensor1d(set.y, 'int32'), classes).toFloat(),
    });
    if (fresh || !head || head.outputs[0].shape[1] !== classes) {
      head?.dispose();
      head = makeHead(width, classes, options.hidden);
    }
    // Compiling again gives a fresh optimiser with this learning rate; the weights stay, so
    // "train further" starts from what the head already knows.
    head.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    training = { ...tensorsOf(tensors, train, val), batchSize };
    return { trainable: head.countParams() };
  },

  // One epoch: every training example seen once, in a new random order, in batches. The page
  // asks for epochs one at a time, so it can draw each and stop whenever you say.
  async epoch() {
    if (!training) throw new Error('No training run is on.');
    const started = performance.now();
    const { xs, ys, xVal, yVal, batchSize } = training;
    const history = await head.fit(xs, ys, {
      epochs: 1,
      batchSize,
      shuffle: true,
      validationData: xVal ? [xVal, yVal] : undefined,
    });
    const h = history.history;
    return {
      loss: h.loss[0],
      accuracy: (h.acc ?? h.accuracy)[0],
      valLoss: h.val_loss?.[0] ?? null,
      valAccuracy: (h.val_acc ?? h.val_accuracy)?.[0] ?? null,
      epochMs: performance.now() - started,
    };
  },

  // The end of a run: the confusion matrix on the held-out examples, and the head's weights
  // for the page to keep (IndexedDB).
  async finishTraining() {
    if (!training) throw new Error('No training run is on.');
    let predicted = null;
    if (training.xVal) {
      const guess = tf.tidy(() => head.predict(training.xVal).argMax(1));
      predicted = await guess.data();
      guess.dispose();
    }
    endTraining();
    return { predicted, artifacts: await saveArtifacts(head) };
  },

  // The base and the head as ONE layers model, in the form @teachablemachine/image loads:
  // it feeds the model a 224×224 centre square scaled as pixel / 127 - 1, while the base
  // was trained on (pixel - 127) / 128. The two differ by a factor 127 / 128, which the first
  // convolution can absorb: (k · 127/128) * x = k * (x · 127/128). So the export scales the
  // stem's kernel and needs no extra layer that an older TF.js could not read.
  //
  // Pose mode exports the head alone: tmPose runs PoseNet itself and hands the head its
  // 14,739 numbers, computed as pose_features.js computes them here.
  async exportModel() {
    if (!head) throw new Error('Train the classifier before exporting it.');
    if (mode === 'pose') {
      const artifacts = await saveArtifacts(head);
      return { modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData: artifacts.weightData };
    }
    let x = base.getLayer(FEATURE_LAYER).output;
    for (const layer of head.layers) x = layer.apply(x);
    // Shares the base's and the head's layers (and weights): never dispose it.
    const joined = tf.model({ inputs: base.inputs, outputs: x, name: 'teachable' });
    const artifacts = await saveArtifacts(joined);
    scaleWeight(artifacts, STEM_KERNEL, 127 / 128);
    return { modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData: artifacts.weightData };
  },

  ...KNN_STEPS,
};

// The bars: the k-NN's votes in k-NN mode, else the trained head's softmax (or none yet).
async function probabilitiesOf(embedding, options) {
  if (options.knn) return knnProbabilities(embedding, options.knn);
  return head ? headProbabilities(embedding) : null;
}

function tensorsOf(tensors, train, val) {
  const t = tensors(train);
  const v = val && val.y.length ? tensors(val) : null;
  return { xs: t.x, ys: t.y, xVal: v?.x ?? null, yVal: v?.y ?? null };
}

// Small on purpose: 1280 -> `hidden` -> classes. With tens of examples per class, a bigger
// head would only memorise them (the held-out curve on the page shows it when it happens).
function makeHead(width, classes, hidden = 64) {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [width], units: hidden, activation: 'relu' }),
      // Dropout switches off a random 30% of the hidden units at each step while training
      // (never when predicting), so no single feature can be relied on too much.
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: classes, activation: 'softmax' }),
    ],
  });
}

async function headProbabilities(embedding) {
  const probs = tf.tidy(() => head.predict(embedding));
  const values = await probs.data();
  probs.dispose();
  return values;
}

async function saveArtifacts(model) {
  let saved = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  // TF.js 4 may hand the weights over in several buffers; one is simpler to keep and zip.
  if (Array.isArray(saved.weightData)) saved.weightData = joinBuffers(saved.weightData);
  return saved;
}

function joinBuffers(buffers) {
  const joined = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of buffers) {
    joined.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return joined.buffer;
}

// Multiply one float32 weight, in place, inside the saved weight buffer.
function scaleWeight(artifacts, name, factor) {
  let offset = 0;
  for (const w of artifacts.weightSpecs) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    if (w.name === name) {
      if (w.dtype !== 'float32') throw new Error(`${name} is ${w.dtype}, expected float32.`);
      const values = new Float32Array(artifacts.weightData, offset, count);
      for (let i = 0; i < count; i++) values[i] *= factor;
      return;
    }
    offset += count * 4; // saved weights are float32 or int32: 4 bytes each
  }
  throw new Error(`The model has no weight named ${name}.`);
}

function endTraining() {
  if (!training) return;
  tf.dispose([training.xs, training.ys, training.xVal, training.yVal].filter(Boolean));
  training = null;
}

function disposeAll() {
  endTraining();
  forgetKnn();
  head?.dispose();
  base?.dispose();
  extractor?.dispose?.();
  head = base = extractor = null;
}

export function dispose() {
  disposeAll();
}
