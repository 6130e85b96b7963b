// The bare model next to the webcam classification demo, on the same page and backend:
// the same model (a second copy, loaded from the IndexedDB cache the demo just filled), fed
// the same input (one frame of the demo's own <video>, preprocessed as its manifest says).
async ({ id }) => {
  const bench = window.__bench;
  const { fetchManifest, loadLabels, loadModel } = await import('/static/models.js');
  const { preprocess, cropBox, inputSize } = await import('/static/preprocess.js');
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
  // A reference capture to hold preprocess.js against: the browser crops and scales the video
  // frame into a canvas of the input size that is kept from frame to frame (drawImage, default
  // 'low' smoothing), so fromPixels reads 224×224 pixels and no full-frame tensor is made.
  const { height, width } = inputSize(manifest.input);
  const canvas = Object.assign(document.createElement('canvas'), { width, height });
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const viaCanvas = () => {
    const [y1, x1, y2, x2] = cropBox(video.videoWidth, video.videoHeight, manifest.input);
    const [w, h] = [video.videoWidth, video.videoHeight];
    context.drawImage(video, x1 * w, y1 * h, (x2 - x1) * w, (y2 - y1) * h, 0, 0, width, height);
    const batch = tf.browser.fromPixels(canvas).toFloat().expandDims(0);
    return batch.sub(manifest.input.mean ?? 0).div(manifest.input.std ?? 1);
  };

  // Each iteration waits for a new video frame, as the demo does: reading a frame the first
  // time costs more (the browser converts it from the camera's YUV) than reading it again.
  bench.stages = async (n) => {
    await bench.pause();
    const rows = [];
    try {
      for (let i = 0; i < n; i++) {
        await bench.nextFrame(video);
        const p0 = performance.now();
        const proposed = tf.tidy(viaCanvas);
        if (gpu) await read(proposed);
        proposed.dispose();
        const proposedMs = performance.now() - p0;
        await bench.nextFrame(video);
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
        rows.push({ capture_preprocess: t1 - t0, predict: t2 - t1, softmax_topk: t3 - t2, draw: t4 - t3,
          proposed_capture_preprocess: proposedMs });
      }
    } finally {
      bench.release();
    }
    return rows;
  };
  // How far the proposed preprocessing is from the demo's on this frame (normalised units).
  const diff = tf.tidy(() => viaCanvas().sub(preprocess(video, manifest.input)).abs());
  const d = await diff.data();
  diff.dispose();
  bench.proposedDiff = { max: d.reduce((a, b) => Math.max(a, b), 0), mean: d.reduce((a, b) => a + b, 0) / d.length };
  bench.viaCanvas = viaCanvas;
  await bench.bare(); // the copy's own warm-up
  return { input: input.shape, proposed_preprocess_diff: bench.proposedDiff };
}
