// The official loop for pose models, on the demo's own page: the loop of pose-detection's
// `live_video` demo on the page's main thread (page_bench.js officialLoop): estimatePoses on
// the video, then the video frame drawn onto a canvas with the keypoints and the skeleton
// over it, then the next requestAnimationFrame. Same model files (the demo's manifest), same
// backend (set up on the page by /static/backend.js), the detector configured as
// demos/posenet/poses.js configures it. BlazePose's two models (person detector, landmarks)
// go in as in-memory IOHandlers of the same files, read from the browser's cache as the demo
// reads them; its person mask is asked for as the demo asks for it, and disposed every frame.
async ({ id, backend }) => {
  const { loadScript, setupBackend } = await import('/static/backend.js');
  const { fetchArtifacts, fetchManifest } = await import('/static/models.js');
  if (!window.poseDetection) await loadScript('/vendor/pose-detection/pose-detection.min.js');
  const chosen = await setupBackend(backend);
  const manifest = await fetchManifest(id);
  const pose = manifest.pose;
  const modelUrl = `/models/${id}/${manifest.model_url}`;
  const { BlazePose, MoveNet, PoseNet } = poseDetection.SupportedModels;
  const family = { blazepose: BlazePose, movenet: MoveNet, posenet: PoseNet }[pose.family];
  const inMemory = async (m) => tf.io.fromMemory((await fetchArtifacts(m)).artifacts);
  const configs = {
    blazepose: async () => ({
      runtime: 'tfjs',
      modelType: pose.model_type,
      detectorModelUrl: await inMemory(await fetchManifest(pose.detector)),
      landmarkModelUrl: await inMemory(manifest),
      enableSmoothing: true,
      enableSegmentation: true,
    }),
    movenet: () => ({ modelType: pose.model_type, modelUrl, enableSmoothing: true, minPoseScore: 0.01, multiPoseMaxDimension: pose.input_resolution }),
    posenet: () => ({
      architecture: pose.architecture,
      multiplier: pose.multiplier,
      outputStride: pose.output_stride,
      inputResolution: { width: pose.input_resolution, height: pose.input_resolution },
      modelUrl,
    }),
  };
  const detector = await poseDetection.createDetector(family, await configs[pose.family]());
  const pairs = poseDetection.util.getAdjacentPairs(family);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const seen = (k) => (k.score ?? 1) >= 0.3;

  async function step(video) {
    const poses = await detector.estimatePoses(video, { maxPoses: 1, flipHorizontal: false });
    // The mask is a tensor the caller owns (pose-detection's TensorMask): free it, as the demo does.
    await Promise.all(poses.map(async (p) => p.segmentation && (await p.segmentation.mask.toTensor()).dispose()));
    if (canvas.width !== video.videoWidth) Object.assign(canvas, { width: video.videoWidth, height: video.videoHeight });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    ctx.fillStyle = 'red';
    ctx.strokeStyle = 'white';
    ctx.lineWidth = 2;
    for (const { keypoints } of poses) {
      for (const k of keypoints.filter(seen)) {
        ctx.beginPath();
        ctx.arc(k.x, k.y, 4, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      }
      for (const [a, b] of pairs) {
        if (!seen(keypoints[a]) || !seen(keypoints[b])) continue;
        ctx.beginPath();
        ctx.moveTo(keypoints[a].x, keypoints[a].y);
        ctx.lineTo(keypoints[b].x, keypoints[b].y);
        ctx.stroke();
      }
    }
  }
  await window.__bench.officialLoop(step, canvas);
  return { backend: chosen.backend, library: 'pose-detection' };
}
