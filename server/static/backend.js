// Choosing where TF.js runs.
//
// TF.js has several backends: `webgl` and `webgpu` run on the GPU, `wasm` runs compiled C++
// with SIMD on the CPU, `cpu` is plain JavaScript (slowest, always works). Which is fastest
// depends on the machine: with a real GPU it is usually webgl; without one, WebGL is emulated
// in software (SwiftShader) and wasm wins by an order of magnitude. `auto` measures rather
// than guesses. `?backend=wasm|webgl|webgpu|cpu` overrides it.
//
// tf.setBackend() falls back silently when a backend fails to start, so we always report
// tf.getBackend(), the backend really in use, never the one we asked for.
//
// This module runs on the page and inside the inference worker (inference_worker.js), so it
// touches no DOM it cannot do without: scripts come in through importScripts() in a worker,
// WebGL is probed on an OffscreenCanvas, and the `auto` choice is remembered by the page.
import { params } from './params.js';

export const BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'];
const WASM_FILES = '/vendor/tfjs-backend-wasm/';
const WEBGPU_SCRIPT = '/vendor/tfjs-backend-webgpu/tf-backend-webgpu.es2017.min.js';
const PROBE_CACHE_KEY = 'tfjs-gallery:auto-backend';

const inWorker = typeof document === 'undefined';

// A classic script (a UMD bundle that sets a global such as `tf` or `poseDetection`).
export function loadScript(src) {
  if (inWorker) {
    importScripts(src); // synchronous, and throws when the script cannot be loaded
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`Could not load ${src}`));
    document.head.append(script);
  });
}

async function trySetBackend(name) {
  try {
    if (name === 'webgpu') {
      if (!navigator.gpu) return false;
      if (!tf.findBackendFactory('webgpu')) await loadScript(WEBGPU_SCRIPT);
      // fromPixels(<video>) imports the frame as an external texture by default, which fails
      // on some adapters (SwiftShader: "Failed to import texture from video"); pose-detection
      // reads the <video> itself, so copy the frame instead.
      tf.env().set('WEBGPU_IMPORT_EXTERNAL_TEXTURE', false);
    }
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

// A WebGL renderer that is really the CPU pretending (no GPU on this machine).
function webglIsSoftware() {
  const canvas = inWorker ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  const gl = canvas.getContext('webgl2');
  if (!gl) return true;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : '';
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software|basic render/i.test(renderer);
}

// Time a small convolution, the workhorse of every vision model, after one warm-up call
// (the first call compiles shaders or wasm kernels and says nothing about speed).
async function probeMilliseconds() {
  const input = tf.randomNormal([1, 56, 56, 32]);
  const filter = tf.randomNormal([3, 3, 32, 32]);
  const run = () => tf.tidy(() => tf.conv2d(input, filter, 1, 'same').relu().mean());
  const warm = run();
  await warm.data();
  warm.dispose();
  const times = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const out = run();
    await out.data();
    out.dispose();
    times.push(performance.now() - start);
  }
  input.dispose();
  filter.dispose();
  return times.sort((a, b) => a - b)[2];
}

// The probe's answer is kept per browser (localStorage on the page; a worker has no
// localStorage, so the page hands it the stored answer and stores the new one).
export function storedProbe() {
  return JSON.parse(globalThis.localStorage?.getItem(PROBE_CACHE_KEY) || 'null');
}

export function storeProbe(probe) {
  if (probe) globalThis.localStorage?.setItem(PROBE_CACHE_KEY, JSON.stringify(probe));
}

async function pickFastestBackend(cached) {
  if (cached && cached.userAgent === navigator.userAgent && BACKENDS.includes(cached.backend)) {
    return { backend: cached.backend, note: `auto: ${cached.backend} (${cached.detail}, probed earlier)` };
  }
  const candidates = ['wasm'];
  const skipped = [];
  if (webglIsSoftware()) skipped.push('webgl: software renderer');
  else candidates.push('webgl');
  if (navigator.gpu) candidates.push('webgpu');
  const timings = {};
  for (const name of candidates) {
    if (await trySetBackend(name)) timings[name] = await probeMilliseconds();
  }
  const [backend] = Object.entries(timings).sort((a, b) => a[1] - b[1])[0] ?? ['cpu'];
  const detail = [
    ...Object.entries(timings).map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`),
    ...skipped.map((s) => `${s}, skipped`),
  ].join(', ');
  const probe = { userAgent: navigator.userAgent, backend, detail };
  return { backend, note: `auto: ${backend} (${detail})`, probe };
}

// WebGL context loss: when the GPU resets (a driver crash, too many contexts, a laptop
// switching graphics cards) every tensor held by the webgl backend is gone, the model's
// weights included. We switch to the next backend that works and tell the demo, which then
// loads its model again. Handlers are called at once (stop using the model now!) with a
// promise of {backend, note} that resolves when the new backend is ready.
const lostHandlers = [];
export function onBackendLost(handler) {
  lostHandlers.push(handler);
}

function watchForContextLoss() {
  const canvas = tf.backend().gpgpu?.gl?.canvas;
  canvas?.addEventListener('webglcontextlost', (event) => {
    event.preventDefault();
    const switched = (async () => {
      for (const fallback of ['wasm', 'cpu']) {
        if (await trySetBackend(fallback)) break;
      }
      return { backend: tf.getBackend(), note: `The WebGL context was lost; switched to ${tf.getBackend()}.` };
    })();
    for (const handler of lostHandlers) handler(switched);
  }, { once: true });
}

// What a GPU reset does to a page, on purpose: for lessons, and for the tests of the fallback.
export function loseWebGLContext() {
  const gl = tf.backend().gpgpu?.gl;
  if (!gl) throw new Error(`The ${tf.getBackend()} backend has no WebGL context to lose.`);
  gl.getExtension('WEBGL_lose_context').loseContext();
}

// Set up the backend the URL asks for (default auto); returns {backend, note, probe} where
// backend is tf.getBackend() after set-up, note explains how it was chosen or why it fell back,
// and probe is a new `auto` measurement to remember (null when nothing was measured).
export async function setupBackend(requested = params.get('backend') || 'auto', { probe: cached = storedProbe(), remember = storeProbe } = {}) {
  // The wasm backend fetches its .wasm binaries from this server, not from a CDN.
  tf.wasm.setWasmPaths(WASM_FILES);
  // The server sends COOP/COEP headers, so the page may share memory with workers and the
  // wasm backend can run threads. TF.js sizes its pool at half the cores: on a 2-core
  // machine that is one worker, all overhead and no gain, so threads need 4 cores or more.
  if (navigator.hardwareConcurrency < 4) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  let note = '';
  let probe = null;
  if (requested === 'auto') {
    ({ backend: requested, note, probe = null } = await pickFastestBackend(cached));
    remember(probe);
  } else if (!BACKENDS.includes(requested)) {
    throw new Error(`Unknown backend "${requested}". Use one of ${BACKENDS.join(', ')} or auto.`);
  }
  if (!(await trySetBackend(requested))) {
    for (const fallback of ['wasm', 'cpu']) {
      if (fallback !== requested && (await trySetBackend(fallback))) break;
    }
    note = `${requested} is not available in this browser; running on ${tf.getBackend()}.`;
  }
  await tf.ready();
  if (tf.getBackend() === 'webgl') watchForContextLoss();
  return { backend: tf.getBackend(), note, probe };
}
