// The instant mode of "Teach a classifier": k nearest neighbours on the same embeddings the
// trained head learns from. Worker side (imported by trainer.js); no DOM.
//
// A k-NN does not learn anything: it keeps every example's embedding and, for a new picture,
// finds the k examples whose embeddings point most nearly the same way (cosine similarity:
// @tensorflow-models/knn-classifier scales each to length 1 and takes one matrix product
// against all of them), then lets those k vote. So adding an example is the whole of
// "training", and the next frame already uses it; but every prediction compares against
// every example, and the examples are the model: its memory and its predict time grow with
// them, where a trained head stays 82,000 weights however many examples taught it.
//
// The library (global `knnClassifier`, demo.toml inference_scripts) labels examples with
// whatever we give it; here a label is the class's index in the page's class list, so its
// confidences come back as one number per class, in the page's order.

let live = null; // the KNNClassifier the live predictions use: every example of the project

// Confidences [one per class, in class order] for one embedding (a [1, width] tensor).
async function confidences(classifier, embedding, k, classes) {
  const { confidences: byLabel } = await classifier.predictClass(embedding, k);
  return Float32Array.from({ length: classes }, (_, i) => byLabel[i] ?? 0);
}

// A classifier holding the rows of x ([n·width] floats, one embedding after the other) with
// the class index y[i] of each: one tensor per class, as addExample builds them, but in one
// copy instead of n growing ones (addExample concatenates, so n adds copy n²/2 rows).
function build({ x, y }, width) {
  const classifier = knnClassifier.create();
  const rows = new Map();
  y.forEach((label, i) => {
    if (!rows.has(label)) rows.set(label, []);
    rows.get(label).push(i);
  });
  const dataset = {};
  for (const [label, indices] of rows) {
    const matrix = new Float32Array(indices.length * width);
    indices.forEach((row, j) => matrix.set(x.subarray(row * width, (row + 1) * width), j * width));
    // setClassifierDataset takes the rows as they are: scale them to length 1 as addExample does.
    dataset[label] = tf.tidy(() => {
      const t = tf.tensor2d(matrix, [indices.length, width]);
      return t.div(t.norm('euclidean', 1, true).add(1e-12));
    });
  }
  classifier.setClassifierDataset(dataset);
  return classifier;
}

// One example joins the live k-NN: its embedding (a [1, width] tensor, kept by the caller)
// and its class index. Returns the milliseconds it took (a copy of the class's rows grows by one).
export function knnAdd(embedding, label) {
  const started = performance.now();
  live ??= knnClassifier.create();
  live.addExample(embedding, label);
  return performance.now() - started;
}

export function forget() {
  live?.dispose();
  live = null;
}

export const KNN_STEPS = {
  // {x, y, width}: every example of the project (a reload, a deletion, a switch to k-NN), or
  // {x: null} to drop them. The one way examples enter in bulk.
  async knnReset(_, { x, y, width }) {
    forget();
    if (x && y.length) live = build({ x, y }, width);
    return { examples: live ? live.getNumExamples() : 0 };
  },

  // The held-out measure, on the split the trained head uses: a classifier of the training
  // examples only votes on each held-out one. {train: {x, y}, val: {x, y}, width, k}.
  async knnEvaluate(_, { train, val, width, k }) {
    const classifier = build(train, width);
    const predicted = new Int32Array(val.y.length);
    const started = performance.now();
    try {
      for (let i = 0; i < val.y.length; i++) {
        const row = tf.tensor2d(val.x.subarray(i * width, (i + 1) * width), [1, width]);
        const { label } = await classifier.predictClass(row, k);
        row.dispose();
        predicted[i] = Number(label); // the library gives labels back as object keys: strings
      }
    } finally {
      classifier.dispose();
    }
    return { predicted, predictMs: (performance.now() - started) / Math.max(1, val.y.length) };
  },
};

// The live bars in k-NN mode: {knn: {k, classes}} in a predict or embed step's options.
export async function knnProbabilities(embedding, { k, classes }) {
  if (!live || live.getNumExamples() === 0) return null;
  return confidences(live, embedding, k, classes);
}
