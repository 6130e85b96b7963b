// The model's side of the hands demo. It runs where inference runs: in the inference worker
// (server/static/inference_worker.js), or on the page with ?worker=0. Frames arrive as
// ImageBitmaps; hands go back as plain data, in the bitmap's pixels.
//
// Two models, and the glue between them written here (the README says why no library does it):
//
//   1. DETECT  handtrack, an SSD box detector: the whole frame at 320×320 -> for each of its
//              12804 anchors (fixed boxes of several sizes tiled over the picture) a decoded
//              box and a score per class. We keep the hand classes, and non-max suppression
//              keeps the best box among those that overlap.
//   2. CROP    each box becomes a square region (a bit larger than the box, so the fingers fit),
//              cut out and scaled to 224×224, turned so that the hand points up.
//   3. LANDMARKS  the MediaPipe hand landmark model: 21 points (x, y in crop pixels, z), a "hand
//              present" score and left/right. The points are mapped back to the frame.
//   4. FOLLOW  on the next video frame the region comes from the last landmarks (the detector
//              runs only while fewer hands than the maximum are followed), as MediaPipe does.

import { modelFromArtifacts } from '/static/models.js';

const LANDMARK_SIZE = 224;
// The detector's box holds the whole hand, but the landmark model was trained on crops where the
// hand fills about half: at 1.4 times the box a fist's points collapsed onto its knuckles (README).
const BOX_TO_CROP = 2.0;
// From landmarks, MediaPipe frames the palm and finger roots (wrist, thumb base, each finger's two
// lowest joints), doubles that box and moves it a tenth towards the fingers.
const PALM_POINTS = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18];
const PALM_TO_CROP = 2.0;
const PALM_SHIFT = -0.1;
const NMS_IOU = 0.3; // two boxes overlapping more than this are the same hand
const SAME_HAND_IOU = 0.5; // a detection over a hand already followed is that hand
const SAME_HAND_POINTS = 0.5; // a hand with more than half its points in a surer hand's square is that hand

let detector = null;
let landmarker = null;
let spec = null; // what the two manifests say: output names, classes
let tracked = []; // the regions of the hands followed from the last frame

// {detector: manifest, landmarks: manifest, artifacts: {detector, landmarks}, frameSize}
export async function load(payload) {
  const { detector: dm, landmarks: lm } = payload;
  if (dm.pipeline?.family !== 'ssd-boxes' || lm.pipeline?.family !== 'mediapipe-hands') {
    throw new Error(`This demo runs a handtrack detector with a MediaPipe hand landmark model; got "${dm.id}" and "${lm.id}".`);
  }
  const classes = dm.pipeline.classes;
  spec = {
    detectorSize: dm.pipeline.input_size,
    detectorOutputs: [dm.output.names.boxes, dm.output.names.scores],
    // Score columns: 0 is the background, column i is classes[i - 1]. Faces are a class too.
    handColumns: dm.pipeline.hand_classes.map((name) => classes.indexOf(name) + 1),
    handClasses: dm.pipeline.hand_classes,
    landmarkOutputs: [lm.output.names.landmarks, lm.output.names.presence, lm.output.names.handedness],
  };
  [detector, landmarker] = await Promise.all([
    modelFromArtifacts(dm, payload.artifacts.detector),
    modelFromArtifacts(lm, payload.artifacts.landmarks),
  ]);
  // Warm-up: both models once (the first call compiles kernels and allocates memory).
  const { width, height } = payload.frameSize;
  const started = performance.now();
  const blank = tf.zeros([height, width, 3], 'int32');
  await detect(blank, { maxHands: 1, minDetectionScore: 1 });
  const found = await landmarksIn(blank, { cx: width / 2, cy: height / 2, side: Math.min(width, height), angle: 0 });
  blank.dispose();
  tracked = [];
  return { warmupMs: performance.now() - started, warmedUp: found !== undefined };
}

// 1. DETECT: boxes of hands in the whole frame, in frame pixels, best first.
async function detect(pixels, { maxHands, minDetectionScore }) {
  const [height, width] = pixels.shape;
  // The SSD takes 0..255 integers (its graph normalises them itself). Its preprocessing is a
  // loop over the batch (a TensorFlow `map`), which only executeAsync can run.
  const input = tf.tidy(() => tf.image.resizeBilinear(pixels, spec.detectorSize).toInt().expandDims(0));
  const [allBoxes, allScores] = await detector.executeAsync(input, spec.detectorOutputs);
  const [boxes, scores, best] = tf.tidy(() => {
    const perClass = tf.gather(allScores.squeeze([0]), spec.handColumns, 1); // [anchors, hand classes]
    return [allBoxes.squeeze([0]), perClass.max(1), perClass.argMax(1)];
  });
  tf.dispose([input, allBoxes, allScores]);
  const keep = await tf.image.nonMaxSuppressionAsync(boxes, scores, maxHands, NMS_IOU, minDetectionScore);
  const [b, s, c, k] = await Promise.all([boxes.data(), scores.data(), best.data(), keep.data()]);
  tf.dispose([boxes, scores, best, keep]);
  return [...k].map((i) => {
    const [ymin, xmin, ymax, xmax] = b.subarray(i * 4, i * 4 + 4);
    return {
      score: s[i],
      shape: spec.handClasses[c[i]], // the detector's own guess: open, closed, pinch or point
      box: { x: xmin * width, y: ymin * height, width: (xmax - xmin) * width, height: (ymax - ymin) * height },
    };
  });
}

// 2. CROP: a square region {cx, cy, side, angle} -> the matrix that tf.image.transform uses to
// find, for each pixel (u, v) of the 224×224 crop, the frame pixel it comes from: the crop's
// axes are the frame's turned by `angle`, scaled to `side` frame pixels.
function cropToFrame({ cx, cy, side, angle }) {
  const s = side / LANDMARK_SIZE;
  const cos = Math.cos(angle) * s;
  const sin = Math.sin(angle) * s;
  const half = LANDMARK_SIZE / 2;
  // x = cos·u − sin·v + tx,  y = sin·u + cos·v + ty, with the crop's centre on (cx, cy)
  return [cos, -sin, cx - cos * half + sin * half, sin, cos, cy - sin * half - cos * half, 0, 0];
}

// 3. LANDMARKS for one region -> {points: Float32Array [x, y, z] × 21 in frame pixels, presence,
// rightHandScore}. The landmark model takes RGB in [0, 1].
async function landmarksIn(pixels, region) {
  const m = cropToFrame(region);
  const outputs = tf.tidy(() => {
    const image = pixels.toFloat().div(255).expandDims(0);
    const crop = tf.image.transform(image, tf.tensor2d([m]), 'bilinear', 'constant', 0, [LANDMARK_SIZE, LANDMARK_SIZE]);
    return landmarker.execute(crop, spec.landmarkOutputs);
  });
  const [raw, presence, handedness] = await Promise.all(outputs.map((t) => t.data()));
  tf.dispose(outputs);
  const points = new Float32Array(raw.length);
  const zScale = region.side / LANDMARK_SIZE;
  for (let i = 0; i < raw.length; i += 3) {
    const [u, v] = [raw[i], raw[i + 1]];
    points[i] = m[0] * u + m[1] * v + m[2];
    points[i + 1] = m[3] * u + m[4] * v + m[5];
    points[i + 2] = raw[i + 2] * zScale;
  }
  // MediaPipe reports handedness as if the picture were mirrored (a selfie camera). Frames here
  // are never mirrored (mirroring is done when drawing), so its "left" is the person's right.
  return { points, presence: presence[0], rightHandScore: handedness[0] };
}

// 4. FOLLOW: the next frame's region from this frame's landmarks. Turned so that the line from
// the wrist (0) to the middle finger's root (9) points up in the crop, as the model was trained.
function regionFromLandmarks(points) {
  const at = (i) => ({ x: points[i * 3], y: points[i * 3 + 1] });
  const wrist = at(0);
  const middle = at(9);
  const angle = Math.atan2(middle.x - wrist.x, -(middle.y - wrist.y));
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  // The palm points in the turned frame: u along the crop's x axis, v along its y axis.
  const uv = PALM_POINTS.map((i) => {
    const p = at(i);
    return { u: p.x * cos + p.y * sin, v: -p.x * sin + p.y * cos };
  });
  const [uMin, uMax] = [Math.min(...uv.map((p) => p.u)), Math.max(...uv.map((p) => p.u))];
  const [vMin, vMax] = [Math.min(...uv.map((p) => p.v)), Math.max(...uv.map((p) => p.v))];
  const side = Math.max(uMax - uMin, vMax - vMin) * PALM_TO_CROP;
  const u = (uMin + uMax) / 2;
  const v = (vMin + vMax) / 2 + PALM_SHIFT * side / PALM_TO_CROP; // towards the fingers (up in the crop)
  return { cx: u * cos - v * sin, cy: u * sin + v * cos, side, angle };
}

function boxOfRegion({ cx, cy, side }) {
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

// Is `hand` the same as the surer hand `other`? Yes when most of its 21 points lie inside the
// square where `other` was found (its region, turned with it). Two real hands side by side
// leave few of their points in each other's square; hands held one over the other would be
// taken as one (README).
function sameHand(hand, other) {
  const { cx, cy, side, angle } = other.region;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  let inside = 0;
  for (let i = 0; i < hand.points.length; i += 3) {
    const [dx, dy] = [hand.points[i] - cx, hand.points[i + 1] - cy];
    // The point in the square's own axes (turned back by its angle).
    const [u, v] = [dx * cos + dy * sin, -dx * sin + dy * cos];
    if (Math.abs(u) <= side / 2 && Math.abs(v) <= side / 2) inside += 1;
  }
  return inside > SAME_HAND_POINTS * (hand.points.length / 3);
}

function overlap(a, b) {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function iou(a, b) {
  const inter = overlap(a, b);
  return inter ? inter / (a.width * a.height + b.width * b.height - inter) : 0;
}

// One frame -> {hands: [{points, presence, handedness, rightHandScore, detection, region}]}.
// options: {reset (a new picture: follow nothing), maxHands, minDetectionScore, minPresence}
export async function run(frame, { reset = false, maxHands = 2, minDetectionScore = 0.5, minPresence = 0.5 } = {}) {
  if (reset) tracked = [];
  const pixels = tf.browser.fromPixels(frame);
  try {
    const regions = tracked.map((region) => ({ region, detection: null }));
    if (regions.length < maxHands) {
      for (const detection of await detect(pixels, { maxHands, minDetectionScore })) {
        const side = Math.max(detection.box.width, detection.box.height) * BOX_TO_CROP;
        const region = { cx: detection.box.x + detection.box.width / 2, cy: detection.box.y + detection.box.height / 2, side, angle: 0 };
        const followed = regions.find((r) => iou(boxOfRegion(r.region), detection.box) > SAME_HAND_IOU
          || iou(boxOfRegion(r.region), boxOfRegion(region)) > SAME_HAND_IOU);
        if (followed) followed.detection ??= detection;
        else if (regions.length < maxHands) regions.push({ region, detection });
      }
    }
    const hands = [];
    for (const { region, detection } of regions) {
      const found = await landmarksIn(pixels, region);
      if (found.presence < minPresence) continue; // the hand left the region (or never was one)
      hands.push({
        ...found,
        handedness: found.rightHandScore >= 0.5 ? 'right' : 'left',
        detection,
        region: { ...region, box: boxOfRegion(region) },
      });
    }
    // Two regions may have settled on the same hand: keep the surer one. Overlapping regions
    // are not enough to tell: a second box the detector finds on a hand already followed (its
    // thumb alone, its forearm) gives a region that hardly overlaps the first, and the landmark
    // model, asked for a hand there, draws a smaller one inside the first (on 4 of the test
    // photos' 44 variants; README). Its points are what give it away.
    hands.sort((a, b) => b.presence - a.presence);
    const distinct = hands.filter((hand, i) => !hands.slice(0, i).some((other) => sameHand(hand, other)));
    tracked = distinct.map((hand) => regionFromLandmarks(hand.points));
    return { hands: distinct };
  } finally {
    pixels.dispose();
  }
}

export function dispose() {
  detector?.dispose();
  landmarker?.dispose();
  detector = null;
  landmarker = null;
  tracked = [];
}
