// Start the bare model (bare_task.js) next to the demo: a second inference worker (or, with
// ?worker=0, the page), the same model files from the browser's cache, and one frame of the
// demo's video captured exactly as the demo captures it (frame_loop.js: createImageBitmap
// of the crop, scaled by the browser). __bench.bare(n) then times n runs back to back.
//   kind: the demo's kind (bench/pages.py DEMOS); task: the URL of the demo's own task module
//   (null for classifiers: their bare model is model.predict).
async ({ id, kind, task, backend }) => {
  const { startInference } = await import('/static/inference.js');
  const { fetchArtifacts, fetchManifest } = await import('/static/models.js');
  const { cropRect } = await import('/static/preprocess.js');
  const demo = window.__demo;
  const sent = window.__bench.demoRun; // the demo's last frame: its size and run options
  if (kind !== 'classifier' && !sent) throw new Error('the demo has sent its worker no frame yet');
  // startInference points the demo's memory() hook at the inference it starts: keep the demo's.
  const keep = { memory: demo.memory, loseWebGLContext: demo.loseWebGLContext };
  // The page's inference scripts (demo.toml's `inference_scripts`) go to this worker too.
  const bare = await startInference({ task: '/bench/bare_task.js', backend });
  Object.assign(demo, keep);

  const manifest = await fetchManifest(id);
  const files = await fetchArtifacts(manifest);
  // The model's first stage, where it has one (BlazePose's person detector, the face and hand
  // detectors), named in its manifest as the demo reads it.
  const detectorId = manifest.pose?.detector ?? manifest.pipeline?.detector;
  const detector = detectorId ? await fetchManifest(detectorId) : null;
  const detectorFiles = detector ? await fetchArtifacts(detector) : null;
  const video = document.getElementById('video');
  const size = { width: video.videoWidth, height: video.videoHeight };
  // Classifiers take the centre crop; every other demo sends the whole frame, scaled to the
  // size its last frame had.
  const crop = kind === 'classifier'
    ? cropRect(size, manifest.input)
    : { sx: 0, sy: 0, sw: size.width, sh: size.height, width: sent.width, height: sent.height };
  const frameSize = { width: crop.width, height: crop.height };
  // The payload each demo's useModel() gives its task module's load().
  const payloads = {
    classifier: () => ({ manifest, artifacts: files.artifacts }),
    pose: () => ({ manifest, artifacts: files.artifacts, detector: detectorFiles && { artifacts: detectorFiles.artifacts }, frameSize }),
    face: async () => ({
      landmarks: manifest,
      detector,
      artifacts: { landmarks: files.artifacts, detector: detectorFiles.artifacts },
      maxFaces: (await import('/demos/face_mesh/ui.js')).initialSettings().maxFaces,
      frameSize,
    }),
    hand: () => ({ landmarks: manifest, detector, artifacts: { landmarks: files.artifacts, detector: detectorFiles.artifacts }, frameSize }),
    segmentation: () => ({ manifest, artifacts: files.artifacts }),
    detection: () => ({ manifest, artifacts: files.artifacts }),
  };
  await bare.load({ task, payload: await payloads[kind]() });
  const frame = await createImageBitmap(video, crop.sx, crop.sy, crop.sw, crop.sh, {
    resizeWidth: crop.width, resizeHeight: crop.height, resizeQuality: 'medium',
  });
  const options = sent?.options ?? {};
  window.__bench.bare = async (n) => {
    // A copy each time: the run transfers its bitmap to the worker, which closes it.
    const { result } = await bare.run(await createImageBitmap(frame), { n, options });
    return result.times;
  };
  await window.__bench.bare(2); // warm-up
  return { where: bare.where, backend: bare.backend, frame: [crop.width, crop.height], options };
}
