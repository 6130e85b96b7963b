// Image classification with any installed classifier: the manifest says how to read its output.

// Probabilities [numClasses] from a model's raw output [1, N]: drop the background class
// where the model has one (TF Hub MobileNets output 1001 values, index 0 = "background"),
// then softmax if the model outputs logits. Call inside tf.tidy.
export function probabilities(output, outputSpec) {
  let scores = output.squeeze([0]);
  if (outputSpec.background_class) scores = scores.slice([1]);
  return outputSpec.activation === 'logits' ? tf.softmax(scores) : scores;
}

// The k most likely classes as [{index, label, probability}], index 0..classes-1 (all of
// them when the model has fewer than k: a classifier you trained may have two).
export async function topK(probs, labels, k = 5) {
  const { values, indices } = tf.topk(probs, Math.min(k, probs.shape.at(-1)));
  const [p, i] = await Promise.all([values.data(), indices.data()]);
  tf.dispose([values, indices]);
  return Array.from(i, (index, rank) => ({ index, label: labels?.[index] ?? `class ${index}`, probability: p[rank] }));
}
