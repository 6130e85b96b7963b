// The stats panel: frames per second, latency percentiles, backend and live tensors; for a
// live demo also the model in use and its own time per frame (without capture and drawing).
//
// Wrap each unit of work (one frame, one training epoch) in begin()/end(). Latency is the
// time between the two; FPS counts how often end() is reached, so it includes the time the
// page spends waiting for the next video frame. Live demos, whose frames overlap, report each
// finished frame with frameDone() instead (frame_loop.js): its latency is from the frame's
// arrival to its drawing, and the model's own time and the worker's tensor count come with it.
import { demo } from './demo_state.js';

const WINDOW = 100; // frames kept for the percentiles and the FPS
const REDRAW_MS = 250; // updating the DOM every frame would itself cost frames

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export class Stats {
  constructor(root = document.getElementById('stats')) {
    this.root = root;
    this.latencies = [];
    this.ends = [];
    this.lastRedraw = 0;
    this.started = null;
    this.notes = {};
    this.inferMs = [];
    this.tensors = null; // counted where the model runs (the worker), when it is not the page
  }

  // Where inference runs: "worker" or "main thread" (inference.js).
  setWhere(where) {
    demo.inference = where;
    if (this.field('where')) this.field('where').textContent = where;
  }

  // The model a live demo runs, by name: a demo that switches models says which one the
  // numbers are for.
  setModel(name) {
    this.show('model', name);
  }

  frameDone({ latencyMs, inferMs, tensors }) {
    this.inferMs.push(inferMs);
    if (this.inferMs.length > WINDOW) this.inferMs.shift();
    this.tensors = tensors;
    demo.tensors = tensors;
    demo.inferMs = percentile([...this.inferMs].sort((a, b) => a - b), 50);
    this.started = performance.now() - latencyMs;
    this.end();
  }

  // Fill a row that only some demos have, and show it (the template hides it).
  show(name, text) {
    const field = this.field(name);
    if (!field) return;
    field.textContent = text;
    field.hidden = false;
    if (field.previousElementSibling) field.previousElementSibling.hidden = false;
  }

  field(name) {
    return this.root?.querySelector(`[data-stat="${name}"]`);
  }

  setBackend(backend, note = '') {
    demo.backend = backend;
    if (this.field('backend')) this.field('backend').textContent = backend;
    this.setNote(note, 'backend');
  }

  // Notes under the numbers: how the backend was chosen, where the model came from...
  setNote(note, topic = 'model') {
    this.notes[topic] = note;
    if (this.field('note')) this.field('note').textContent = Object.values(this.notes).filter(Boolean).join('\n');
  }

  begin() {
    this.started = performance.now();
  }

  end() {
    const now = performance.now();
    if (this.started !== null) this.latencies.push(now - this.started);
    this.ends.push(now);
    demo.frames += 1;
    if (this.latencies.length > WINDOW) this.latencies.shift();
    if (this.ends.length > WINDOW) this.ends.shift();
    this.started = null;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const span = this.ends.at(-1) - this.ends[0];
    demo.fps = span > 0 ? ((this.ends.length - 1) * 1000) / span : 0;
    demo.latencyMs = percentile(sorted, 50);
    if (now - this.lastRedraw > REDRAW_MS) {
      this.lastRedraw = now;
      this.render(sorted);
    }
  }

  // Clear the window after a change (a new model, the camera resumed) so old frames don't count.
  reset() {
    this.latencies = [];
    this.ends = [];
    this.inferMs = [];
    demo.inferMs = null; // the last model's time is not the next one's
  }

  render(sorted = [...this.latencies].sort((a, b) => a - b)) {
    const ms = (v) => (v === null ? '–' : `${v.toFixed(1)} ms`);
    const set = (name, text) => {
      if (this.field(name)) this.field(name).textContent = text;
    };
    set('fps', demo.fps ? demo.fps.toFixed(1) : '–');
    set('p50', ms(percentile(sorted, 50)));
    set('p95', ms(percentile(sorted, 95)));
    set('tensors', String(this.tensors ?? tf.memory().numTensors));
    if (demo.inferMs !== null || this.field('infer')?.hidden === false) this.show('infer', ms(demo.inferMs));
  }
}
