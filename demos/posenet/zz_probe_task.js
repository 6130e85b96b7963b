let model = null; let input = null;
export async function load({ url, shape, dtype }) {
  model = await tf.loadGraphModel(url);
  input = tf.zeros(shape, dtype);
  return { backend: tf.getBackend() };
}
export async function run(frame, { n }) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const out = model.execute(input);
    await Promise.all([out].flat().map((o) => o.data()));
    tf.dispose(out);
    times.push(performance.now() - t);
  }
  return { times };
}
export function dispose() { model?.dispose(); input?.dispose(); }
