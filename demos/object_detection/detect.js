// The model's side of the object detection demo. It runs where inference runs: in the
// inference worker (server/static/inference_worker.js), or on the page with ?worker=0.
//
// NanoDet is a one-stage, anchor-free detector: one pass over the picture, and every cell of
// three grids (52 × 52, 26 × 26 and 13 × 13 cells of 8, 16 and 32 input pixels) answers two
// questions about "an object centred here":
//   - how likely is it each of the 80 COCO classes (80 scores, each 0..1: a sigmoid, so a
//     cell may say "person 0.8" and "chair 0.3" at once, unlike a softmax);
//   - how far are its left, top, right and bottom edges from the cell's centre? Not one
//     number per side but a distribution over 0..10 strides (Generalized Focal Loss): the
//     expected value is the distance, and a flat distribution means "unsure where the edge is".
// That gives 3,549 cells × 80 classes of candidate boxes per frame. Keeping those that score
// above the threshold leaves a handful, but neighbouring cells all see the same cat, so each
// object arrives as a cluster of near-identical boxes: non-maximum suppression keeps the best
// box of each cluster (see `suppress`).
import { fromCapturedFrame } from '/static/preprocess.js';
import { modelFromArtifacts } from '/static/models.js';

// Within 1% of the frame's side (4 input pixels) is touching the edge.
const EDGE = 0.01;

let model = null;
let manifest = null;
let grid = null; // per cell of every head: its centre and stride, in input pixels (tensors, kept)

// The model reads NCHW (channels first, as PyTorch, where NanoDet was trained); the frame
// arrives as a bitmap in height × width × channels.
function toInput(frame) {
  const [, , height, width] = manifest.input.shape;
  const hwc = { ...manifest.input, shape: [1, height, width, 3] };
  return fromCapturedFrame(frame, hwc).transpose([0, 3, 1, 2]);
}

// Cell centres, row by row as the heads list their cells: ((column + 0.5) × stride, (row + 0.5) × stride).
function cellCentres() {
  return tf.tidy(() => {
    const parts = manifest.detection.heads.map(({ stride, grid: [rows, columns] }) => {
      const x = tf.range(0, columns).add(0.5).mul(stride).tile([rows]);
      const y = tf.range(0, rows).add(0.5).mul(stride).reshape([rows, 1]).tile([1, columns]).reshape([-1]);
      return { centre: tf.stack([x, y], 1), stride: tf.fill([rows * columns, 1], stride) };
    });
    return { centre: tf.concat(parts.map((p) => p.centre)), stride: tf.concat(parts.map((p) => p.stride)) };
  });
}

// Raw outputs -> {scores [cells, 80], boxes [cells, 4] as y1, x1, y2, x2 in 0..1 of the input}.
function decode(outputs) {
  const { reg_max: regMax, heads } = manifest.detection;
  const [, , height, width] = manifest.input.shape;
  const scores = tf.concat(heads.map((_, i) => outputs[2 * i].squeeze([0])));
  const sides = tf.concat(heads.map((_, i) => outputs[2 * i + 1].squeeze([0])));
  // [cells, 4 × (regMax + 1)] -> per side a softmax over 0..regMax, then its expected value.
  const bins = tf.range(0, regMax + 1);
  const distance = sides.reshape([-1, 4, regMax + 1]).softmax().mul(bins).sum(2).mul(grid.stride);
  const [left, top, right, bottom] = tf.split(distance, 4, 1);
  const [cx, cy] = tf.split(grid.centre, 2, 1);
  const boxes = tf.concat([cy.sub(top).div(height), cx.sub(left).div(width), cy.add(bottom).div(height), cx.add(right).div(width)], 1);
  return { scores, boxes };
}

// Non-maximum suppression: take the best-scoring box, drop every other box that overlaps it
// by more than `iouThreshold` (intersection over union), repeat with the best that is left.
// It runs per class: a person holding a cup must keep both boxes. One call does every class
// at once by moving each class's boxes to its own far-away square (class × 2 added to every
// coordinate): boxes of different classes then never overlap. The Async version reads the
// scores without blocking the thread (on WebGL, the sync one would wait for the GPU).
async function suppress(candidates, { maxBoxes, iouThreshold, scoreThreshold }) {
  const shifted = tf.tidy(() => candidates.boxes.add(candidates.classes.toFloat().mul(2).expandDims(1)));
  const kept = await tf.image.nonMaxSuppressionAsync(shifted, candidates.scores, maxBoxes, iouThreshold, scoreThreshold);
  const picked = tf.tidy(() => [candidates.boxes, candidates.scores, candidates.classes].map((t) => t.gather(kept)));
  const [boxes, scores, classes] = await Promise.all(picked.map((t) => t.array()));
  tf.dispose([shifted, kept, ...picked]);
  return scores.map((score, i) => ({ box: boxes[i], score, classIndex: classes[i] }));
}

export async function load(payload) {
  manifest = payload.manifest;
  if (manifest.detection?.decoder !== 'nanodet-gfl') {
    throw new Error(`"${manifest.id}" is not a NanoDet detector (its manifest has no "detection" section this demo decodes).`);
  }
  model = await modelFromArtifacts(manifest, payload.artifacts);
  grid = cellCentres();
  // Warm-up: the first run compiles kernels and allocates memory (several times slower).
  const [, , height, width] = manifest.input.shape;
  const started = performance.now();
  const blank = await createImageBitmap(new ImageData(width, height));
  await run(blank, { scoreThreshold: 0.3, maxBoxes: 10, iouThreshold: 0.5, classes: null });
  blank.close();
  return { warmupMs: performance.now() - started };
}

// One frame -> {detections: [{box: [y1, x1, y2, x2] in 0..1 of the frame, score, classIndex,
// cut}]} best first. `classes`: the class indices to look for (null: all 80). `cut`: the box
// touches the frame's edge, so the object probably goes on beyond it (the model saw only the
// part inside; its box stops at the edge, or a little past it, and is clipped to the frame).
export async function run(frame, { scoreThreshold, maxBoxes, iouThreshold, classes }) {
  const names = manifest.detection.heads.flatMap((h) => [h.scores, h.boxes]);
  const { flat, boxes } = tf.tidy(() => {
    const decoded = decode(model.execute(toInput(frame), names));
    const all = manifest.detection.classes;
    const wanted = classes ? tf.oneHot(tf.tensor1d(classes, 'int32'), all).sum(0) : tf.ones([all]);
    return { flat: decoded.scores.mul(wanted).reshape([-1]), boxes: decoded.boxes };
  });
  // Every (cell, class) above the threshold is a candidate: several classes may claim one cell.
  const above = flat.greaterEqual(scoreThreshold);
  const hits = await tf.whereAsync(above); // async: it must read the values to know how many
  above.dispose();
  const candidates = tf.tidy(() => {
    const index = hits.reshape([-1]);
    const classCount = tf.scalar(manifest.detection.classes, 'int32'); // int32 in, int32 out
    const cell = index.floorDiv(classCount);
    return { boxes: boxes.gather(cell), scores: flat.gather(index), classes: index.mod(classCount) };
  });
  tf.dispose([flat, boxes, hits]);
  const count = candidates.scores.shape[0];
  const found = count ? await suppress(candidates, { maxBoxes, iouThreshold, scoreThreshold }) : [];
  tf.dispose(Object.values(candidates));
  return {
    detections: found.map(({ box, score, classIndex }) => ({
      box: box.map((v) => Math.min(1, Math.max(0, v))),
      cut: box[0] < EDGE || box[1] < EDGE || box[2] > 1 - EDGE || box[3] > 1 - EDGE,
      score,
      classIndex,
    })),
    candidates: count,
  };
}

export function dispose() {
  model?.dispose();
  tf.dispose(grid ? Object.values(grid) : []);
  model = null;
  grid = null;
}
