// Next to the pose demo, on the same page and backend: the same model file run bare
// (tf.loadGraphModel of the same URL, executed on one frame of the demo's <video> resized to
// the model's input), and through @tensorflow-models/pose-detection on its own (a detector
// with the library's defaults, estimating on the same <video>).
async ({ id }) => {
  const bench = window.__bench;
  const { fetchManifest } = await import('/static/models.js');
  const manifest = await fetchManifest(id);
  const pose = manifest.pose;
  const url = `/models/${id}/${manifest.model_url}`;
  const video = document.querySelector('video');
  const read = (tensors) => Promise.all([tensors].flat().map((t) => t.data()));

  // The input size: fixed for single-pose MoveNet; PoseNet and MultiPose take any size, and
  // the library scales the frame to input_resolution (MultiPose: its longer side, rounded to
  // a multiple of 32).
  let [, height, width] = manifest.input.shape;
  if (!(height > 0 && width > 0)) {
    const r = pose.input_resolution;
    if (pose.family === 'posenet') [height, width] = [r, r];
    else {
      const scale = r / Math.max(video.videoWidth, video.videoHeight);
      [height, width] = [video.videoHeight, video.videoWidth].map((d) => Math.max(32, Math.round((d * scale) / 32) * 32));
    }
  }
  const { mean = 0, std = 1, dtype } = manifest.input;
  const input = tf.tidy(() => {
    const resized = tf.image.resizeBilinear(tf.browser.fromPixels(video), [height, width]);
    return (dtype === 'int32' ? resized.toInt() : resized.sub(mean).div(std)).expandDims(0);
  });
  const model = await tf.loadGraphModel(url);
  bench.bare = async () => {
    const output = model.execute(input);
    await read(output);
    tf.dispose(output);
  };

  const config = pose.family === 'movenet'
    ? { modelType: pose.model_type, modelUrl: url, ...(pose.input_resolution ? { multiPoseMaxDimension: pose.input_resolution } : {}) }
    : {
      architecture: pose.architecture,
      multiplier: pose.multiplier,
      outputStride: pose.output_stride,
      inputResolution: { width: pose.input_resolution, height: pose.input_resolution },
      modelUrl: url,
    };
  const family = pose.family === 'movenet' ? poseDetection.SupportedModels.MoveNet : poseDetection.SupportedModels.PoseNet;
  const detector = await poseDetection.createDetector(family, config);
  bench.library = async () => {
    await detector.estimatePoses(video, { maxPoses: 1, flipHorizontal: false });
  };
  await bench.bare(); // warm-ups
  await bench.library();
  return { input: input.shape };
}
