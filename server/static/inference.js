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
//
// A model that looks at every frame afresh (a classifier, PoseNet, a box detector: no
// tracking, no smoothing over time) can have its frames split over two workers, each with
// its own copy of the model, where the backend works through a frame on one core (wasm
// without threads, cpu): while one worker infers frame N, the other infers N + 1, on the
// core that would otherwise sit half idle. See WorkerPool.
import {
  loadScript, loseWebGLContext, onBackendLost, runsOnOneCore, setupBackend, storeProbe, storedProbe,
} from './backend.js';
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

// One worker, or several taking turns (see the top of this file). The first worker loads every
// model, and the demo starts on it at once; for a model whose frames are independent
// (`load(payload, {independentFrames: true})`), the helpers load a copy meanwhile and join
// in as soon as they hold it. A frame goes to a worker with nothing to do; when all are busy
// it waits here for the first one free (a frame queued behind another in one worker could be
// overtaken by a later one in the other, and would wait longer). One worker alone is sent
// its next frame at once instead, to start on it the moment the last one is done. Answers may
// come back out of order; the frame loop draws them in order (frame_loop.js).
class WorkerPool {
  constructor(first, { size, options, onLost }) {
    this.where = 'worker';
    Object.assign(this, { first, size, options, onLost });
    this.helpers = []; // started the first time a model can use them
    this.turns = [first]; // the workers holding the model in use
    this.waiting = []; // frames no worker is free for yet: {frame, options, resolve, reject}
    this.wanted = 1; // how many will, once the helpers have loaded it
    this.loads = 0; // bumped by every load: a helper still loading an older model does not join
    this.settled = Promise.resolve(); // the helpers' loads of the model in use, done or failed
    this.onResize = () => {}; // called when workers join or leave the turns
  }

  get workers() {
    return this.turns.length;
  }

  async load(payload, { independentFrames = false } = {}) {
    const load = ++this.loads;
    this.resize([this.first], independentFrames ? this.size : 1);
    // The helpers' copies are made now: loading on the first worker moves (detaches) the
    // payload's buffers.
    const copies = Array.from({ length: this.wanted - 1 }, () => structuredClone(payload));
    for (const helper of this.helpers) helper.call('dispose').catch(() => {}); // the last model's copy is freed
    const info = await this.first.load(payload);
    this.settled = Promise.all(copies.map((copy, i) => this.helperLoad(i, copy, load)));
    return info;
  }

  // A helper (started the first time it is needed) loads its copy, then takes turns, unless
  // another model was loaded meanwhile. One that fails leaves the others working.
  async helperLoad(i, copy, load) {
    try {
      this.helpers[i] ??= this.startHelper();
      const helper = this.helpers[i];
      await helper.started;
      await helper.load(copy);
      if (load === this.loads) this.resize([...this.turns, helper], this.wanted);
    } catch (error) {
      console.warn(`An inference helper could not load the model; the others carry on: ${error.message}`);
    }
  }

  startHelper() {
    const helper = new WorkerInference(this.onLost);
    // The backend the first worker settled on: nothing to probe again.
    helper.started = helper.init({ ...this.options, backend: this.backend, probe: storedProbe() });
    return helper;
  }

  resize(turns, wanted) {
    Object.assign(this, { turns, wanted });
    this.onResize();
  }

  run(frame, options) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ frame, options, resolve, reject });
      this.dispatch();
    });
  }

  dispatch() {
    while (this.waiting.length) {
      const free = this.turns.length === 1 ? this.first : this.turns.find((worker) => !worker.pending.size);
      if (!free) return;
      const { frame, options, resolve, reject } = this.waiting.shift();
      const worker = this.turns.indexOf(free); // which one answered: for lessons and tests
      free.run(frame, options).then((answer) => resolve({ ...answer, worker }), reject).finally(() => this.dispatch());
    }
  }

  // tf.memory() summed over the workers holding the model (once the helpers have loaded it):
  // a leak in any of them shows.
  async memory() {
    await this.settled;
    const each = await Promise.all(this.turns.map((worker) => worker.memory()));
    const sum = (field) => each.reduce((total, memory) => total + memory[field], 0);
    return { ...each[0], numTensors: sum('numTensors'), numBytes: sum('numBytes'), workers: each.length };
  }

  loseContext() {
    return this.first.loseContext();
  }

  terminate() {
    for (const worker of [this.first, ...this.helpers]) worker.terminate();
  }
}

// Runs the demo's module on the page: the same calls, in the same order, one at a time.
class PageInference {
  constructor(onLost) {
    this.where = 'main thread';
    this.workers = 0;
    this.wanted = 0;
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

// How many workers may take turns on a model whose frames are independent: two where the
// backend works through a frame on one core (the page's own work is light, so on a 2-core
// machine both cores infer), else one: a GPU backend has one GPU to share, and wasm with
// threads already spreads each frame over the cores. `?workers=N` overrides it (1 to 4).
function poolSize(backend) {
  const asked = Number(params.get('workers'));
  if (asked >= 1) return Math.min(Math.floor(asked), 4);
  return runsOnOneCore(backend) ? Math.min(2, navigator.hardwareConcurrency) : 1;
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
        const pool = new WorkerPool(inWorker, { size: poolSize(chosen.backend), options, onLost });
        return started(pool, chosen.backend, chosen.note);
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
  // Frames in flight: one per worker, and one more captured while they infer, ready for the
  // first worker free.
  const size = () => {
    loop.depth = inference.where === 'worker' ? inference.workers + 1 : 1;
    stats.setWhere(inference.where, inference.workers);
    Object.assign(demo, { workers: inference.workers, workersWanted: inference.wanted });
  };
  inference.onResize = size;
  size();
  stats.setBackend(inference.backend, inference.note);
  return inference;
}
