// The inference worker: a dedicated Web Worker in which a live demo's model runs, so the
// page's own thread only captures frames and draws (inference.js starts it).
//
// A classic worker, not a module worker: TF.js and the model libraries are UMD bundles that
// set globals (`tf`, `poseDetection`), and only a classic worker has importScripts() to load
// them. The demo's own code is an ES module all the same: dynamic import() works here.
//
// Every message is handled after the previous one has finished (`queue`), so a frame never
// meets a half-loaded model, and a model is disposed only after its last frame.
importScripts('/vendor/tfjs/tf.es2017.min.js', '/vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js');

let task = null; // the demo's inference module: {load, run, dispose}
let backendModule = null;
let transfer = null;
let queue = Promise.resolve();

const handlers = {
  // {task: URL of the demo's inference module, scripts: libraries it needs, backend, probe}
  async init({ task: taskUrl, scripts, backend, probe }) {
    backendModule = await import('/static/backend.js');
    transfer = await import('/static/transfer.js');
    for (const src of scripts) await backendModule.loadScript(src);
    task = await import(taskUrl);
    const chosen = await backendModule.setupBackend(backend, {
      probe,
      remember: () => {}, // the page stores chosen.probe
    });
    backendModule.onBackendLost((switched) => {
      // The weights went with the GPU. Tell the page at once (it stops sending frames and
      // ignores those in flight), then again when the next backend is ready: the page then
      // sends the model again (its files are in the browser's cache).
      postMessage({ type: 'backend-lost' });
      queue = queue.then(async () => postMessage({ type: 'backend-switched', ...(await switched) }));
    });
    return chosen;
  },

  // The model(s) the demo asks for, as artifacts the page read from its cache.
  async load(payload) {
    disposeModel();
    return task.load(payload);
  },

  // One frame (a transferred ImageBitmap, or null for a step without one) -> plain results.
  async run({ frame, options }) {
    const started = performance.now();
    try {
      const result = await task.run(frame, options);
      return { result, inferMs: performance.now() - started, tensors: tf.memory().numTensors };
    } finally {
      frame?.close?.(); // the bitmap's pixels are freed now, not whenever GC runs
    }
  },

  async memory() {
    return tf.memory();
  },

  // Simulates a GPU reset (for lessons and tests): WebGL loses its context as when a driver restarts.
  async loseContext() {
    backendModule.loseWebGLContext();
  },

  async dispose() {
    disposeModel();
  },
};

// The weights live in the backend's memory (wasm heap or GPU textures), which JavaScript's
// garbage collector never frees: dispose them explicitly before loading others.
function disposeModel() {
  try {
    task?.dispose?.();
  } catch {
    // Its backend is gone (a lost WebGL context): nothing left to free.
  }
}

self.onmessage = ({ data: { id, type, payload } }) => {
  queue = queue.then(async () => {
    try {
      const answer = await handlers[type](payload);
      // Pixels (a mask, a bitmap) move to the page without a copy.
      postMessage({ id, ok: true, answer }, transfer?.transferables(answer) ?? []);
    } catch (error) {
      postMessage({ id, ok: false, error: error?.message ?? String(error) });
    }
  });
};
