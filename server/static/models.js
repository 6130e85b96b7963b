import { loadArtifacts } from './model_cache.js';

// Installed models: the manifest says what a model expects, so no demo hard-codes it
// (see docs/MANIFEST.md). Every model and label file comes from this server.

export async function listModels(task) {
  const response = await fetch('/api/models');
  if (!response.ok) throw new Error(`Could not list the installed models (HTTP ${response.status}).`);
  const { models } = await response.json();
  return task ? models.filter((m) => m.task === task) : models;
}

export async function fetchManifest(id) {
  const response = await fetch(`/models/${encodeURIComponent(id)}/manifest.json`);
  if (response.status === 404) {
    throw new Error(`The model "${id}" is not installed. Install it with: python -m converters pull ${id} (python -m converters list shows every model that can be installed).`);
  }
  if (!response.ok) throw new Error(`Could not read the manifest of "${id}" (HTTP ${response.status}).`);
  return response.json();
}

export async function loadLabels(manifest) {
  if (!manifest.labels) return null;
  const response = await fetch(`/models/${manifest.id}/${manifest.labels}`);
  if (!response.ok) throw new Error(`Could not load the labels of "${manifest.id}" (HTTP ${response.status}).`);
  return (await response.text()).split('\n').map((l) => l.trim()).filter(Boolean);
}

// A graph model runs a frozen TensorFlow graph (model.execute / predict); a layers model
// is a Keras model rebuilt layer by layer in TF.js. The manifest says which.
// Returns {model, source: 'cache' | 'network', ms, note} (see model_cache.js).
export async function loadModel(manifest, { onProgress } = {}) {
  const { artifacts, ...how } = await fetchArtifacts(manifest, { onProgress });
  return { model: await modelFromArtifacts(manifest, artifacts), ...how };
}

// The model's files, cache-first (model_cache.js), with a readable error naming the model.
export async function fetchArtifacts(manifest, { onProgress } = {}) {
  try {
    return await loadArtifacts(manifest, { onProgress });
  } catch (error) {
    throw new Error(`The model "${manifest.id}" failed to load: ${error.message}`, { cause: error });
  }
}

// The model from artifacts already in memory (topology and weights, e.g. handed to the
// inference worker by the page, which read them from the cache).
export async function modelFromArtifacts(manifest, artifacts) {
  try {
    const handler = tf.io.fromMemory(artifacts);
    return manifest.format === 'layers' ? await tf.loadLayersModel(handler) : await tf.loadGraphModel(handler);
  } catch (error) {
    throw new Error(`The model "${manifest.id}" failed to load: ${error.message}`, { cause: error });
  }
}

// How a model was loaded, for the stats panel.
export function describeLoad({ source, ms, note }) {
  return `Model from ${source === 'cache' ? 'the browser cache' : 'the server'} in ${ms.toFixed(0)} ms. ${note}`.trim();
}

// Warm-up: the first prediction compiles kernels and allocates memory, so it is many times
// slower than the rest. Pay for it once, on zeros, before the first real frame.
// Returns how long it took, in milliseconds.
export async function warmUp(model, inputSpec) {
  const started = performance.now();
  const shape = inputSpec.shape.map((d) => (d > 0 ? d : 1));
  const output = tf.tidy(() => model.predict(tf.zeros(shape, inputSpec.dtype)));
  await Promise.all([output].flat().map((t) => t.data()));
  tf.dispose(output);
  return performance.now() - started;
}

// What every classifier demo needs from an installed model, in one call: its manifest, the
// model (cache-first), its labels, and a warm-up before the first real input.
// Returns {manifest, model, labels, loadNote, warmupMs}.
export async function loadClassifier(id) {
  const manifest = await fetchManifest(id);
  const [loaded, labels] = await Promise.all([loadModel(manifest), loadLabels(manifest)]);
  const warmupMs = await warmUp(loaded.model, manifest.input);
  return { manifest, model: loaded.model, labels, loadNote: describeLoad(loaded), warmupMs };
}
