// The bare model, for the benchmark: the demo's model in the demo's conditions (a second
// inference worker started by /static/inference.js, same backend, same scripts), run back to
// back on one captured frame of the demo's own video. It is a task module like the demos'
// (load, run, dispose; see inference.js), served to the benchmark only (bench/servers.py).
//   classifiers: model.predict on the frame's input tensor (made once), output read back
//   every other demo: the demo's own task module (its `run`: pose-detection's estimatePoses,
//                face-landmarks-detection's estimateFaces, the hand, mask or box decoding),
//                with the load payload and run options the demo gives it
import { modelFromArtifacts } from '/static/models.js';
import { fromCapturedFrame } from '/static/preprocess.js';

let model = null; // a classifier's graph model
let manifest = null;
let task = null; // the demo's task module, for every other demo

// {task: URL of the demo's module, or null for a classifier; payload: what its load() takes}
export async function load({ task: taskUrl, payload }) {
  if (taskUrl) {
    task = await import(taskUrl);
    return task.load(payload);
  }
  manifest = payload.manifest;
  model = await modelFromArtifacts(manifest, payload.artifacts);
  return {};
}

// {n}: how many runs, back to back; {options}: the demo's run options. Returns each run's ms.
export async function run(frame, { n, options }) {
  const times = [];
  const input = model ? fromCapturedFrame(frame, manifest.input) : null;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    if (model) {
      const output = model.predict(input);
      await Promise.all([output].flat().map((t) => t.data()));
      tf.dispose(output);
    } else {
      await task.run(frame, options);
    }
    times.push(performance.now() - started);
  }
  input?.dispose();
  return { times };
}

export function dispose() {
  model?.dispose();
  task?.dispose();
  model = null;
  task = null;
}
