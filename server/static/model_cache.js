// Models cached in the browser, so a demo loads instantly on the next visit and works offline.
//
// The cache is IndexedDB (through TF.js's own `indexeddb://` storage), one entry per model
// version: the key holds the model id and the sha256 from its manifest, so a new version
// of a model (new hash) never meets an old cached copy; the old entry is removed.
//
// Every byte is checked: files fetched from the server must match the sha256 the manifest
// lists for them (a truncated or corrupt shard is fetched once more, bypassing the HTTP
// cache, then reported), and a cached entry must have the manifest's weight size and the
// digest recorded when it was saved, or it is dropped and fetched again.

const PREFIX = 'indexeddb://tfjs-gallery/';
const DIGEST_PREFIX = 'tfjs-gallery:weights-sha256:'; // localStorage: cache key -> weights digest

export class IntegrityError extends Error {}

export function cacheKey(manifest) {
  return `${PREFIX}${manifest.id}/${manifest.sha256}`;
}

function modelBase(manifest) {
  return `/models/${manifest.id}/`;
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function joinWeights(weightData) {
  return tf.io.CompositeArrayBuffer.join(weightData);
}

// A fetch that checks each model file against the manifest's sha256 before TF.js sees it.
function verifyingFetch(manifest, cacheMode) {
  const base = new URL(modelBase(manifest), window.location.href).pathname;
  return async (input, init) => {
    const response = await fetch(input, { ...init, cache: cacheMode });
    const path = decodeURIComponent(new URL(response.url).pathname);
    const name = path.startsWith(base) ? path.slice(base.length) : null;
    const expected = manifest.files?.[name]?.sha256;
    if (!response.ok || !expected || !crypto.subtle) return response;
    const body = await response.arrayBuffer();
    if ((await sha256Hex(body)) !== expected) {
      throw new IntegrityError(`${manifest.id}/${name} does not match its manifest (${body.byteLength} bytes, `
        + `${manifest.files[name].bytes} expected): the download was truncated or the file on the server is corrupt.`);
    }
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

async function fetchArtifacts(manifest, onProgress) {
  const url = `${modelBase(manifest)}${manifest.model_url ?? 'model.json'}`;
  const load = (cacheMode) => tf.io.http(url, { fetchFunc: verifyingFetch(manifest, cacheMode), onProgress }).load();
  try {
    return await load('no-cache');
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    // Perhaps only our copy was damaged in transit or in the HTTP cache: fetch once more.
    return load('reload');
  }
}

async function readCached(manifest) {
  const key = cacheKey(manifest);
  const stored = await tf.io.listModels();
  if (!(key in stored)) return null;
  const [handler] = tf.io.getLoadHandlers(key);
  const artifacts = await handler.load();
  const weights = joinWeights(artifacts.weightData);
  if (manifest.weight_bytes !== undefined && weights.byteLength !== manifest.weight_bytes) {
    throw new IntegrityError(`cached weights are ${weights.byteLength} bytes, the manifest says ${manifest.weight_bytes}`);
  }
  const digest = localStorage.getItem(DIGEST_PREFIX + key);
  if (crypto.subtle && digest !== (await sha256Hex(weights))) {
    throw new IntegrityError('cached weights do not match the digest taken when they were saved');
  }
  return artifacts;
}

async function save(manifest, artifacts) {
  const key = cacheKey(manifest);
  // A new version replaces the old one: drop every other entry of this model id.
  const stored = await tf.io.listModels();
  const others = Object.keys(stored).filter((k) => k.startsWith(`${PREFIX}${manifest.id}/`) && k !== key);
  await Promise.all(others.map((k) => tf.io.removeModel(k)));
  others.forEach((k) => localStorage.removeItem(DIGEST_PREFIX + k));
  await tf.io.getSaveHandlers(key)[0].save(artifacts);
  if (crypto.subtle) localStorage.setItem(DIGEST_PREFIX + key, await sha256Hex(joinWeights(artifacts.weightData)));
}

// The model's artifacts (topology + weights), from the cache when it holds this version,
// otherwise from the server (then saved). Returns {artifacts, source, ms, note}; hand
// tf.io.fromMemory(artifacts) to tf.loadGraphModel, tf.loadLayersModel or pose-detection.
export async function loadArtifacts(manifest, { onProgress, useCache = true } = {}) {
  const started = performance.now();
  const notes = [];
  if (useCache) {
    try {
      const artifacts = await readCached(manifest);
      if (artifacts) return { artifacts, source: 'cache', ms: performance.now() - started, note: '' };
    } catch (error) {
      notes.push(`The cached copy was damaged (${error.message}) and was fetched again.`);
      await tf.io.removeModel(cacheKey(manifest)).catch(() => {});
    }
  }
  const artifacts = await fetchArtifacts(manifest, onProgress);
  const ms = performance.now() - started;
  if (useCache) {
    try {
      await save(manifest, artifacts);
    } catch (error) {
      // Private windows and full disks refuse storage; the demo still runs from the server.
      notes.push(`Could not cache the model in this browser (${error.message || error.name}); it loads from the server each time.`);
    }
  }
  return { artifacts, source: 'network', ms, note: notes.join(' ') };
}

// Everything this gallery cached: [{id, key, sha256, bytes, savedAt}].
export async function listCached() {
  const stored = await tf.io.listModels();
  return Object.entries(stored)
    .filter(([key]) => key.startsWith(PREFIX))
    .map(([key, info]) => {
      const [id, sha256] = key.slice(PREFIX.length).split('/');
      return { id, key, sha256, bytes: info.weightDataBytes + (info.modelTopologyBytes ?? 0), savedAt: info.dateSaved };
    });
}

export async function removeCached(key) {
  await tf.io.removeModel(key);
  localStorage.removeItem(DIGEST_PREFIX + key);
}
