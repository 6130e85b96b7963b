// The model's side of the pose demo. It runs where inference runs: in the inference worker
// (server/static/inference_worker.js), or on the page with ?worker=0. Frames arrive as
// ImageBitmaps (the page scaled them: main.js `capture`); keypoints go back as plain data, in
// the bitmap's pixels.
//
// @tensorflow-models/pose-detection does the model-specific work: scaling and padding the
// frame the way the model was trained, running it, decoding its outputs into named
// keypoints, following the person from frame to frame. This file builds the library's
// configuration from the model's manifest and hands it the frames. BlazePose is two models
// (a person detector, then a landmark model on the crop around the person): the page sends
// both.

// MoveNet drops every pose scoring under the `minPoseScore` it was created with. We create it
// with almost none (0 would mean "use the default, 0.25") and the page applies the slider's
// minimum, so moving the slider acts on the next frame instead of reloading the model.
const LIBRARY_MIN_POSE_SCORE = 0.01;

// flipHorizontal: false keeps keypoints in the frame's own coordinates; mirroring is a matter
// of display, done when drawing. maxPoses only matters to PoseNet: 1 picks its fast
// single-person decoder (for several people, use MoveNet MultiPose).
const ESTIMATION = { maxPoses: 1, flipHorizontal: false };

let detector = null; // the pose-detection PoseDetector in use
let manifest = null;

// The manifest's `pose.family` names the library's model (docs/MANIFEST.md).
function libraryModel(family) {
  const { MoveNet, PoseNet, BlazePose } = poseDetection.SupportedModels;
  return { movenet: MoveNet, posenet: PoseNet, blazepose: BlazePose }[family];
}

// pose-detection takes the model as an in-memory IOHandler: the page read its files from the
// browser's cache (or this server) and moved them here.
function createDetector(artifacts, detectorArtifacts) {
  const modelUrl = tf.io.fromMemory(artifacts);
  const pose = manifest.pose;
  if (pose.family === 'blazepose') {
    return poseDetection.createDetector(poseDetection.SupportedModels.BlazePose, {
      runtime: 'tfjs',
      modelType: pose.model_type, // "lite", "full" or "heavy": the landmark model's size
      detectorModelUrl: tf.io.fromMemory(detectorArtifacts), // stage one: where is the person?
      landmarkModelUrl: modelUrl, // stage two: 33 keypoints in the crop around them
      enableSmoothing: true,
      // The landmark model also outputs a person mask; the library smooths it over time.
      enableSegmentation: true,
    });
  }
  if (pose.family === 'movenet') {
    return poseDetection.createDetector(poseDetection.SupportedModels.MoveNet, {
      modelType: pose.model_type, // "SinglePose.Lightning", "SinglePose.Thunder" or "MultiPose.Lightning"
      modelUrl,
      // A one-euro filter over time: keypoints jitter less, and still follow fast moves.
      enableSmoothing: true,
      minPoseScore: LIBRARY_MIN_POSE_SCORE,
      // MultiPose takes any input size: the frame's longer side is scaled to this (a multiple of 32).
      multiPoseMaxDimension: pose.input_resolution,
    });
  }
  return poseDetection.createDetector(poseDetection.SupportedModels.PoseNet, {
    architecture: pose.architecture, // "MobileNetV1"
    multiplier: pose.multiplier, // 0.75: the width of the MobileNet, three quarters of the channels
    outputStride: pose.output_stride, // 16: one heatmap cell per 16×16 input pixels
    inputResolution: { width: pose.input_resolution, height: pose.input_resolution },
    modelUrl,
  });
}

// The skeleton comes from the library too: which keypoint pairs make a bone, and which
// keypoints are on the person's left or right (for the colours). The page draws with it.
function skeletonOf() {
  const model = libraryModel(manifest.pose.family);
  const sides = [];
  for (const [side, indices] of Object.entries(poseDetection.util.getKeypointIndexBySide(model))) {
    for (const i of indices) sides[i] = side;
  }
  return { pairs: poseDetection.util.getAdjacentPairs(model), sides };
}

// Single-pose MoveNet keeps a history: where the person was (it crops around them) and the
// smoothing filter's state. A new camera or file must start afresh. (MultiPose's reset() is
// broken in pose-detection 2.1.3: it resets a filter only single-pose models have. Its
// tracker forgets people who vanish after a second anyway.)
function forgetHistory() {
  if (manifest.pose.model_type !== 'MultiPose.Lightning') detector.reset();
}

// {manifest, artifacts, detector: {artifacts} (BlazePose's first stage), frameSize}:
// frameSize is the size of the frames to come.
export async function load(payload) {
  manifest = payload.manifest;
  if (!libraryModel(manifest.pose?.family)) {
    throw new Error(`"${manifest.id}" is not a PoseNet, MoveNet or BlazePose model (its manifest has no pose.family this demo knows).`);
  }
  detector = await createDetector(payload.artifacts, payload.detector?.artifacts);
  // Warm-up: the first estimate compiles the backend's kernels and allocates memory, many
  // times slower than the next one. Pay for it on a blank frame of the right size before the
  // first real one, then forget the blank frame as history.
  const { width, height } = payload.frameSize;
  const started = performance.now();
  await detector.estimatePoses(new ImageData(width, height), ESTIMATION);
  forgetHistory();
  return { warmupMs: performance.now() - started, skeleton: skeletonOf() };
}

// One frame -> {poses: [{score, keypoints: [{name, x, y, score}]}]}. `reset`: this frame
// starts a new picture (another camera or file), so forget the last one's history first.
// BlazePose adds, per pose, `world`: the 33 keypoints in metres, origin between the hips (a
// 3D estimate from one camera), and with `mask`, the person mask as one byte per pixel
// (0..255, the probability that the pixel is the person) at the frame's size.
export async function run(frame, { reset = false, mask = false } = {}) {
  if (reset) forgetHistory();
  const poses = await detector.estimatePoses(frame, ESTIMATION);
  return {
    poses: await Promise.all(poses.map(async (pose) => ({
      score: pose.score,
      keypoints: pose.keypoints.map(({ name, x, y, score }) => ({ name, x, y, score })),
      world: pose.keypoints3D?.map(({ name, x, y, z, score }) => ({ name, x, y, z, score })),
      mask: pose.segmentation ? await maskBytes(pose.segmentation.mask, mask) : undefined,
    }))),
  };
}

// The library hands over the mask as an RGBA tensor, probability in the red channel; it is
// ours to dispose, every frame, wanted or not.
async function maskBytes(mask, wanted) {
  const rgba = await mask.toTensor();
  try {
    if (!wanted) return undefined;
    const [height, width] = rgba.shape;
    const red = tf.tidy(() => rgba.slice([0, 0, 0], [height, width, 1]).mul(255).round().toInt());
    const data = Uint8ClampedArray.from(await red.data());
    red.dispose();
    return { width, height, data };
  } finally {
    rgba.dispose();
  }
}

export function dispose() {
  detector?.dispose();
  detector = null;
}
