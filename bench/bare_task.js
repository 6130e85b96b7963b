// The bare model, for the benchmark: the demo's model in the demo's conditions (a second
// inference worker started by /static/inference.js, same backend, same scripts), run back to
// back on one captured frame of the demo's own video. It is a task module like the demos'
// (load, run, dispose; see inference.js), served to the benchmark only (bench/servers.py).
//   classifiers: model.predict on the frame's input tensor (made once), output read back
//   pose models: demos/posenet/poses.js `run`, i.e. pose-detection's estimatePoses on the
//                frame the demo would send (its keypoints copied into plain objects: ~µs)
import * as poses from '/demos/posenet/poses.js';
import { modelFromArtifacts } from '/static/models.js';
import { fromCapturedFrame } from '/static/preprocess.js';

let model = null;
let manifest = null;

export async function load(payload) {
  manifest = payload.manifest;
  if (manifest.task === 'pose-detection') return poses.load(payload);
  model = await modelFromArtifacts(manifest, payload.artifacts);
  return {};
}

// {n}: how many runs, back to back. Returns each run's milliseconds.
export async function run(frame, { n }) {
  const times = [];
  const input = model ? fromCapturedFrame(frame, manifest.input) : null;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    if (model) {
      const output = model.predict(input);
      await Promise.all([output].flat().map((t) => t.data()));
      tf.dispose(output);
    } else {
      await poses.run(frame);
    }
    times.push(performance.now() - started);
  }
  input?.dispose();
  return { times };
}

export function dispose() {
  if (model) model.dispose();
  else poses.dispose();
  model = null;
}
