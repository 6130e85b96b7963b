// Top-1 agreement of a quantized classifier with its float32 original on real photos: both
// models on the same page and backend, each photo preprocessed as the manifests say.
// photos: [{name, width, height, rgba (base64)}].
async ({ ids, photos }) => {
  const { fetchManifest, loadModel } = await import('/static/models.js');
  const { preprocess } = await import('/static/preprocess.js');
  const { probabilities } = await import('/static/classify.js');
  const loaded = [];
  for (const id of ids) {
    const manifest = await fetchManifest(id);
    loaded.push({ id, manifest, model: (await loadModel(manifest)).model });
  }
  const out = [];
  for (const photo of photos) {
    const bytes = Uint8ClampedArray.from(atob(photo.rgba), (c) => c.charCodeAt(0));
    const image = new ImageData(bytes, photo.width, photo.height);
    const answers = [];
    for (const { id, manifest, model } of loaded) {
      const probs = tf.tidy(() => probabilities(model.predict(preprocess(image, manifest.input)), manifest.output));
      const p = await probs.data();
      probs.dispose();
      let top = 0;
      for (let i = 1; i < p.length; i++) if (p[i] > p[top]) top = i;
      answers.push({ id, top1: top, probability: p[top], p });
    }
    const [a, b] = answers;
    let maxDiff = 0;
    for (let i = 0; i < a.p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.p[i] - b.p[i]));
    out.push({ photo: photo.name, answers: answers.map(({ id, top1, probability }) => ({ id, top1, probability })), max_abs_prob_diff: maxDiff });
  }
  for (const { model } of loaded) model.dispose();
  return out;
}
