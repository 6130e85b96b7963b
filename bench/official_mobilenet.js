// The official loop for the MobileNet v1 0.25 classifier, on the demo's own page: the
// `@tensorflow-models/mobilenet` package (a devDependency, served to the benchmark only, under
// /bench/vendor/mobilenet/) classifying the video on the page's main thread, the top 5 written
// into a list, then the next requestAnimationFrame (page_bench.js officialLoop). Same model
// file (mobilenet's load() with the shared test graph's URL; the graph wants pixels in [0, 1]),
// same backend (set up on the page by /static/backend.js).
async ({ id, backend }) => {
  const { loadScript, setupBackend } = await import('/static/backend.js');
  const { fetchManifest } = await import('/static/models.js');
  if (!window.mobilenet) await loadScript('/bench/vendor/mobilenet/mobilenet.min.js');
  const chosen = await setupBackend(backend);
  const manifest = await fetchManifest(id);
  const model = await mobilenet.load({ version: 1, alpha: 0.25, modelUrl: `/models/${id}/${manifest.model_url}`, inputRange: [0, 1] });
  const list = document.createElement('ol');

  async function step(video) {
    const predictions = await model.classify(video, 5);
    list.replaceChildren(...predictions.map((p) => Object.assign(document.createElement('li'), {
      textContent: `${p.className}: ${(100 * p.probability).toFixed(1)}%`,
    })));
  }
  await window.__bench.officialLoop(step, list);
  return { backend: chosen.backend, library: '@tensorflow-models/mobilenet' };
}
