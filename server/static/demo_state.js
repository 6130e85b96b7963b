// The test hook every demo keeps current (documented in the README):
//   window.__demo = {ready, backend, model, fps, latencyMs, frames, result, error}
// `ready` turns true once the model is loaded and warmed up; `result` is the demo's latest
// output (its shape is documented in the demo's README); `error` is a readable message.
// Live demos add: inference ("worker" | "main thread"), tensors (counted where the model
// runs), inferMs (the model's own time, p50), timings {loadMs, loadSource, warmupMs} of the
// model in use, lastFrame {arrived, done, captureMs, inferMs, drawMs, latencyMs} (arrived and
// done are performance.now() times: the frame announced, its answer drawn), frameLog, the
// last 1,000 of those records (frame_loop.js), which the benchmark reads, and two functions
// set by inference.js: memory() (a promise of tf.memory() where the model runs) and
// loseWebGLContext() (a GPU reset on purpose, for lessons and tests).
export const demo = {
  ready: false,
  backend: null,
  model: null,
  fps: 0,
  latencyMs: null,
  frames: 0,
  result: null,
  error: null,
  inference: 'main thread',
  tensors: null,
  inferMs: null,
  timings: null,
  lastFrame: null,
  frameLog: [],
};
window.__demo = demo;

// Show an error to the person on the page (not only in the console) and to the test hook.
export function showError(error) {
  const message = error instanceof Error ? error.message : String(error);
  demo.error = message;
  const box = document.getElementById('error');
  if (box) {
    box.textContent = message;
    box.hidden = false;
  }
  return message;
}

export function clearError() {
  demo.error = null;
  const box = document.getElementById('error');
  if (box) box.hidden = true;
}

// Unexpected failures still reach the page, so a broken demo never looks merely idle.
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
