// The gallery's storage panel: which models this browser has cached, how big, and a way
// to clear them (they are fetched again, and re-cached, the next time a demo needs them).
import { listCached, removeCached } from './model_cache.js';

const panel = document.getElementById('storage');
const list = panel.querySelector('[data-testid="cached-models"]');
const summary = panel.querySelector('[data-testid="storage-summary"]');

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

async function render() {
  const cached = await listCached();
  list.replaceChildren(...cached.map((entry) => {
    const li = document.createElement('li');
    li.dataset.model = entry.id;
    li.textContent = `${entry.id} · ${mb(entry.bytes)} · version ${entry.sha256.slice(0, 8)}`;
    return li;
  }));
  const total = cached.reduce((sum, e) => sum + e.bytes, 0);
  const estimate = await navigator.storage?.estimate?.();
  summary.textContent = cached.length
    ? `${cached.length} model${cached.length === 1 ? '' : 's'} cached, ${mb(total)}`
      + (estimate ? ` (this site uses ${mb(estimate.usage)} of ${mb(estimate.quota)} allowed).` : '.')
    : 'No model is cached yet: open a demo and its model is saved here for next time, and for offline use.';
  panel.querySelector('[data-testid="clear-cache"]').disabled = !cached.length;
}

panel.querySelector('[data-testid="clear-cache"]').addEventListener('click', async () => {
  for (const entry of await listCached()) await removeCached(entry.key);
  await render();
});

render().catch((error) => {
  summary.textContent = `This browser does not allow storage here (${error.message}); models load from the server each time.`;
});
