// Pose mode's feature extractor, in the inference worker (trainer.js loads it): a picture ->
// the numbers Teachable Machine's pose library computes for it, so that a head trained here
// predicts the same in `@teachablemachine/pose` (tmPose), which is what the export is for.
//
// tmPose 0.8.6 (`estimatePose` in its custom-posenet.ts, and @tensorflow-models/posenet 2.2's
// `padAndResizeTo` and `MobileNet.predict`, which it calls) does, for any picture:
//   1. pad it with black to a square (half the difference on each side), then scale it to
//      257 × 257 with plain bilinear resizing (no antialiasing),
//   2. feed PoseNet MobileNetV1 0.75 (output stride 16) pixel / 127.5 − 1,
//   3. take two of its four outputs on the 17 × 17 grid of 16-pixel cells: the heatmaps
//      (17 body parts, through a sigmoid: how likely the part is in this cell) and the offsets
//      (34: for each part, dy then dx from the cell to the exact point, in input pixels),
//   4. concatenate them per cell, 17 + 34 = 51 numbers, and flatten: 17 · 17 · 51 = 14,739
//      numbers, the vector its `predict()` hands to the trained head.
// The displacement outputs (for following a skeleton from part to part between people) are
// not in the vector. The keypoints drawn over the video come from the same numbers: the cell
// where each part's heatmap peaks, plus that part's offset there.
import { modelFromArtifacts } from '/static/models.js';

// PoseNet's output tensors, by their names in the TensorFlow graph (the same in Google's
// original conversion and in the gallery's copy), so nothing depends on their order.
const HEATMAP = 'MobilenetV1/heatmap_2/BiasAdd';
const OFFSETS = 'MobilenetV1/offset_2/BiasAdd';

// {manifest, artifacts}: the gallery's `posenet` model (its manifest's `pose` says the
// architecture, multiplier, stride and input resolution, which the export's metadata repeats
// for tmPose). Returns the extractor trainer.js uses.
export async function loadPoseFeatures({ manifest, artifacts }) {
  const pose = manifest.pose;
  if (pose?.family !== 'posenet' || pose.architecture !== 'MobileNetV1') {
    throw new Error(`Pose mode needs PoseNet MobileNetV1 (Teachable Machine's pose model); "${manifest.id}" is not it.`);
  }
  const model = await modelFromArtifacts(manifest, artifacts);
  const side = pose.input_resolution; // 257: (257 − 1) / 16 + 1 = 17 cells a side
  const stride = pose.output_stride;
  const cells = (side - 1) / stride + 1;
  const parts = 17;
  const names = keypointNames();

  // A picture (ImageBitmap) -> the [1, 14739] feature tensor, and the padding it got.
  function features(frame) {
    const { width, height } = frame;
    const padY = width > height ? Math.round(0.5 * (width - height)) : 0;
    const padX = width < height ? Math.round(0.5 * (height - width)) : 0;
    const padding = { top: padY, bottom: padY, left: padX, right: padX };
    const embedding = tf.tidy(() => {
      const pixels = tf.pad(tf.browser.fromPixels(frame), [[padY, padY], [padX, padX], [0, 0]]);
      const input = tf.image.resizeBilinear(pixels, [side, side]).div(127.5).sub(1).expandDims(0);
      const [heatmap, offsets] = model.execute(input, [HEATMAP, OFFSETS]);
      return tf.concat([tf.sigmoid(heatmap), offsets], 3).reshape([1, -1]);
    });
    return { embedding, padding };
  }

  // The feature vector -> one pose in the frame's pixels: {score, keypoints: [{name, x, y,
  // score}]}. score is the mean of the parts' peak heatmap values: near 0 with nobody in view.
  function keypoints(values, { width }, padding) {
    const width51 = parts * 3;
    const scale = (width + padding.left + padding.right) / side; // the same both ways: a square
    const found = [];
    for (let k = 0; k < parts; k++) {
      let best = 0;
      for (let cell = 1; cell < cells * cells; cell++) {
        if (values[cell * width51 + k] > values[best * width51 + k]) best = cell;
      }
      const cy = Math.floor(best / cells);
      const cx = best % cells;
      const at = best * width51;
      found.push({
        name: names[k],
        y: (cy * stride + values[at + parts + k]) * scale - padding.top,
        x: (cx * stride + values[at + 2 * parts + k]) * scale - padding.left,
        score: values[at + k],
      });
    }
    return { score: found.reduce((sum, k) => sum + k.score, 0) / parts, keypoints: found };
  }

  // Warm-up on a blank frame: the first run compiles the backend's kernels.
  const started = performance.now();
  const blank = features(new ImageData(side, side));
  await blank.embedding.data();
  blank.embedding.dispose();

  return {
    featureSize: cells * cells * parts * 3,
    warmupMs: performance.now() - started,
    features,
    keypoints,
    skeleton: skeletonOf(),
    // What tmPose's metadata.json calls modelSettings.posenet: it loads PoseNet with these.
    settings: { architecture: pose.architecture, outputStride: stride, inputResolution: side, multiplier: pose.multiplier },
    dispose: () => model.dispose(),
  };
}

// PoseNet's 17 keypoints (COCO's order) and the bones between them, from
// @tensorflow-models/pose-detection (the pose demo draws with the same).
function keypointNames() {
  const byName = poseDetection.util.getKeypointIndexByName(poseDetection.SupportedModels.PoseNet);
  return Object.entries(byName).sort((a, b) => a[1] - b[1]).map(([name]) => name);
}

function skeletonOf() {
  const model = poseDetection.SupportedModels.PoseNet;
  const sides = [];
  for (const [side, indices] of Object.entries(poseDetection.util.getKeypointIndexBySide(model))) {
    for (const i of indices) sides[i] = side;
  }
  return { pairs: poseDetection.util.getAdjacentPairs(model), sides };
}
