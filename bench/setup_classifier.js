// The bare model next to the webcam classification demo, on the same page and backend:
// the same model (a second copy, loaded from the IndexedDB cache the demo just filled), fed
// the same input (one frame of the demo's own <video>, preprocessed as its manifest says).
async ({ id }) => {
  const bench = window.__bench;
  const { fetchManifest, loadLabels, loadModel } = await import('/static/models.js');
  const { preprocess } = await import('/static/preprocess.js');
  const { probabilities, topK } = await import('/static/classify.js');
  const { renderBars } = await import('/static/draw.js');
  const manifest = await fetchManifest(id);
  const labels = await loadLabels(manifest);
  const { model } = await loadModel(manifest);
  const video = document.querySelector('video');
  const read = (tensors) => Promise.all([tensors].flat().map((t) => t.data()));
  const input = tf.tidy(() => preprocess(video, manifest.input));

  bench.bare = async () => {
    const output = model.predict(input);
    await read(output);
    tf.dispose(output);
  };

  // The demo's frame, stage by stage. On wasm and cpu every kernel runs synchronously, so the
  // clock between stages is exact; on webgl/webgpu each stage is read back to be timed,
  // which the demo itself does not do (a small distortion, said so in the report).
  const gpu = !['wasm', 'cpu'].includes(tf.getBackend());
  const bars = document.getElementById('top5') ?? document.createElement('div');
  bench.stages = async (n) => {
    await bench.pause();
    const rows = [];
    try {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const x = tf.tidy(() => preprocess(video, manifest.input));
        if (gpu) await read(x);
        const t1 = performance.now();
        const output = model.predict(x);
        if (gpu) await read(output);
        const t2 = performance.now();
        const probs = tf.tidy(() => probabilities(output, manifest.output));
        const top = await topK(probs, labels, 5);
        tf.dispose([x, output, probs]);
        const t3 = performance.now();
        renderBars(bars, top);
        const t4 = performance.now();
        rows.push({ capture_preprocess: t1 - t0, predict: t2 - t1, softmax_topk: t3 - t2, draw: t4 - t3 });
      }
    } finally {
      bench.release();
    }
    return rows;
  };
  await bench.bare(); // the copy's own warm-up
  return { input: input.shape };
}
