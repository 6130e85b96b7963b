// Start the bare model (bare_task.js) next to the demo: a second inference worker (or, with
// ?worker=0, the page), the same model files from the browser's cache, and one frame of the
// demo's video captured exactly as the demo captures it (frame_loop.js: createImageBitmap
// of the crop, scaled by the browser). __bench.bare(n) then times n runs back to back.
async ({ id, kind, backend }) => {
  const { startInference } = await import('/static/inference.js');
  const { fetchArtifacts, fetchManifest } = await import('/static/models.js');
  const { cropRect } = await import('/static/preprocess.js');
  const { scaledFrame } = await import('/static/frame_loop.js');
  const demo = window.__demo;
  // startInference points the demo's memory() hook at the inference it starts: keep the demo's.
  const keep = { memory: demo.memory, loseWebGLContext: demo.loseWebGLContext };
  const bare = await startInference({
    task: '/bench/bare_task.js',
    scripts: kind === 'pose' ? ['/vendor/pose-detection/pose-detection.min.js'] : [],
    backend,
  });
  Object.assign(demo, keep);
  const manifest = await fetchManifest(id);
  const { artifacts } = await fetchArtifacts(manifest);
  const video = document.getElementById('video');
  const size = { width: video.videoWidth, height: video.videoHeight };
  // The pose demo sends the frame scaled to twice the model's input side (demos/posenet/main.js).
  const pose = manifest.pose;
  const side = pose && (pose.family === 'movenet' && !pose.model_type.startsWith('MultiPose') ? manifest.input.shape[1] : pose.input_resolution);
  const crop = kind === 'pose' ? scaledFrame(size, 2 * side) : cropRect(size, manifest.input);
  await bare.load({ manifest, artifacts, frameSize: { width: crop.width, height: crop.height } });
  const frame = await createImageBitmap(video, crop.sx, crop.sy, crop.sw, crop.sh, {
    resizeWidth: crop.width, resizeHeight: crop.height, resizeQuality: 'medium',
  });
  window.__bench.bare = async (n) => {
    // A copy each time: the run transfers its bitmap to the worker, which closes it.
    const { result } = await bare.run(await createImageBitmap(frame), { n });
    return result.times;
  };
  await window.__bench.bare(2); // warm-up
  return { where: bare.where, backend: bare.backend, frame: [crop.width, crop.height] };
}
