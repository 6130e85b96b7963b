// Where a live demo's model runs: in a dedicated Web Worker, or on the page itself.
//
// A model can take 5 to 100 ms per frame. On the page's own thread that time is stolen from
// everything else the page does: scrolling stutters, sliders lag, the video preview freezes
// between frames. In a worker the model runs on another thread while the page stays fluid,
// and the page can capture the next frame while the worker is still busy with this one.
//
// What crosses between the two is small and moves without copying (transfer.js): the model's
// files once (its weights are transferred, not copied), then one ImageBitmap per frame, already
// cut and scaled to what the model needs; the answers come back as plain data (keypoints,
// boxes, top-5). TF.js, the wasm binaries and the model libraries are loaded inside the worker
// from this server, under the same Content-Security-Policy as the page.
//
// Both places run the same demo module (`task`), which exports:
//   load(payload) -> info     build the model(s) from the artifacts in `payload`, warm up
//   run(frame, options) -> result  one ImageBitmap -> plain data
//   dispose()                free the model(s)
// `?worker=0` runs it on the page, for comparison and for lessons; so does a browser that
// cannot start the worker, or whose worker cannot run the backend asked for.
import { loadScript, loseWebGLContext, onBackendLost, setupBackend, storeProbe, storedProbe } from './backend.js';
import { demo } from './demo_state.js';
import { params } from './params.js';
import { transferables } from './transfer.js';

const WORKER_URL = '/static/inference_worker.js';

// Runs the demo's module in a worker; every call is a message answered by a message.
class WorkerInference {
  constructor(onLost) {
    this.where = 'worker';
    this.pending = new Map();
    this.nextId = 0;
    this.worker = new Worker(WORKER_URL);
    this.worker.onmessage = ({ data }) => {
      if (data.type === 'backend-lost') {
        onLost(new Promise((resolve) => { this.switched = resolve; }));
        return;
      }
      if (data.type === 'backend-switched') {
        this.switched({ backend: data.backend, note: data.note });
        return;
      }
      const { resolve, reject } = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.ok) resolve(data.answer);
      else reject(new Error(data.error));
    };
    // The worker script itself failed (not found, refused, a syntax error): every call fails.
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.failAll(new Error(`The inference worker stopped: ${event.message || 'its script could not be loaded'}.`));
    };
  }

  call(type, payload, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, payload }, transfer);
    });
  }

  failAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  async init(options) {
    return this.call('init', options);
  }

  load(payload) {
    return this.call('load', payload, transferables(payload));
  }

  // `frame` may be null for a step that takes no picture (a training epoch, say).
  run(frame, options) {
    return this.call('run', { frame, options }, frame ? [frame] : []);
  }

  memory() {
    return this.call('memory');
  }

  loseContext() {
    return this.call('loseContext');
  }

  terminate() {
    this.worker.terminate();
    this.failAll(new Error('The inference worker was stopped.'));
  }
}

// Runs the demo's module on the page: the same calls, in the same order, one at a time.
class PageInference {
  constructor(onLost) {
    this.where = 'main thread';
    this.queue = Promise.resolve();
    this.onLost = onLost;
  }

  serial(work) {
    const next = this.queue.then(work);
    this.queue = next.catch(() => {});
    return next;
  }

  async init({ task, scripts, backend }) {
    for (const src of scripts) {
      if (!document.querySelector(`script[src="${src}"]`)) await loadScript(src);
    }
    this.task = await import(task);
    onBackendLost(this.onLost);
    return setupBackend(backend);
  }

  load(payload) {
    return this.serial(async () => {
      try {
        this.task.dispose?.();
      } catch {
        // Its backend is gone (a lost WebGL context): nothing left to free.
      }
      return this.task.load(payload);
    });
  }

  run(frame, options) {
    return this.serial(async () => {
      const started = performance.now();
      try {
        const result = await this.task.run(frame, options);
        return { result, inferMs: performance.now() - started, tensors: tf.memory().numTensors };
      } finally {
        frame?.close?.();
      }
    });
  }

  async memory() {
    return tf.memory();
  }

  async loseContext() {
    loseWebGLContext();
  }

  terminate() {}
}

// demo.toml's `inference_scripts`, as the page template lists them.
function demoScripts() {
  return (document.getElementById('demo')?.dataset.inferenceScripts ?? '').split(' ').filter(Boolean);
}

// Why the worker cannot be used here, or null when it can.
function workerUnavailable() {
  if (params.get('worker') === '0') return 'on the page, as ?worker=0 asks';
  if (typeof Worker === 'undefined') return 'on the page: this browser has no Web Workers';
  if (typeof OffscreenCanvas === 'undefined' || typeof createImageBitmap === 'undefined') {
    return 'on the page: this browser cannot hand video frames to a worker (no OffscreenCanvas / ImageBitmap)';
  }
  return null;
}

// Start where inference runs and set up its backend. `task` is the URL of the demo's module,
// `scripts` the libraries it needs (demo.toml's `inference_scripts`). `onLost(switched)` is
// called the moment the backend is lost (a WebGL context reset): stop sending frames; the
// promise `switched` resolves to {backend, note} once another backend is ready, and every
// model must then be loaded again.
// Returns the inference object with `where`, `backend` and `note` filled in.
export async function startInference({
  task, scripts = demoScripts(), backend = params.get('backend') || 'auto', onLost = () => {},
}) {
  const options = { task: new URL(task, window.location.href).pathname, scripts, backend };
  let why = workerUnavailable();
  if (!why) {
    const inWorker = new WorkerInference(onLost);
    try {
      const chosen = await inWorker.init({ ...options, probe: storedProbe() });
      storeProbe(chosen.probe);
      if (backend === 'auto' || chosen.backend === backend) {
        return started(inWorker, chosen.backend, chosen.note);
      }
      why = `on the page: the ${backend} backend does not start in a worker in this browser`;
    } catch (error) {
      why = `on the page: the worker could not start (${error.message})`;
    }
    inWorker.terminate();
  }
  const onPage = new PageInference(onLost);
  const chosen = await onPage.init(options);
  return started(onPage, chosen.backend, [chosen.note, `Inference runs ${why}.`].filter(Boolean).join(' '));
}

function started(inference, backend, note) {
  // A GPU reset on demand, and tf.memory() where the model runs (for lessons, and tests).
  demo.loseWebGLContext = () => inference.loseContext();
  demo.memory = () => inference.memory();
  return Object.assign(inference, { backend, note });
}

// What every live demo does with it: start inference, size the frame loop's pipeline for
// where it runs, show the backend and the place in the stats panel, and when the backend is
// lost, stop the loop and load the model in use again on the next backend.
export async function startLiveInference({ task, loop, stats, switcher }) {
  const inference = await startInference({
    task,
    onLost: async (switched) => {
      await loop.stop(); // the GPU was reset: the model's weights went with it
      const { backend, note } = await switched;
      stats.setBackend(backend, note);
      await switcher.switchTo(switcher.current, { reload: true });
    },
  });
  // Frames in flight: in a worker, the next frame is captured while this one is inferred.
  loop.depth = inference.where === 'worker' ? 2 : 1;
  stats.setBackend(inference.backend, inference.note);
  stats.setWhere(inference.where);
  return inference;
}
