// Which model a live demo runs: the installed models of its task in a <select>, `?model=` to
// pick one from a link, and switching without reloading the page.
import { listModels } from './models.js';
import { params } from './params.js';

// The models demo.toml lists (in its order), then any other installed model of `task` (one
// task, or a list of them when different kinds of model can do the demo's job) that
// `accept(summary)` takes. Listed ones that are missing stay in the list, disabled, with the
// command that installs them. Returns the chosen id: ?model=, else the first installed.
export async function fillModelChoices(select, { task, accept = () => true, wanted = params.get('model') }) {
  const tasks = [task].flat();
  const installed = (await listModels()).filter((m) => tasks.includes(m.task) && accept(m));
  const preferred = document.getElementById('demo').dataset.models.split(' ').filter(Boolean);
  const byId = new Map(installed.map((m) => [m.id, m]));
  const ids = [...preferred, ...installed.map((m) => m.id).filter((id) => !preferred.includes(id))];
  for (const id of ids) {
    const model = byId.get(id);
    const option = new Option(model ? model.title ?? id : `${id} (not installed)`, id);
    option.disabled = !model;
    if (!model) option.title = `python -m converters pull ${id}`;
    select.append(option);
  }
  const chosen = wanted ?? ids.find((id) => byId.has(id));
  if (!chosen) throw new Error(`No ${tasks.join(' or ')} model is installed. Run: python -m converters defaults`);
  if (!byId.has(chosen)) {
    throw new Error(`The model "${chosen}" is not installed. Install it with: python -m converters pull ${chosen} (python -m converters list shows every model that can be installed).`);
  }
  select.value = chosen;
  return chosen;
}

// Model switches run one after another, and one overtaken by a newer choice is skipped:
// picking three models in a row loads only the last. `use(id)` loads a model and puts it to
// work; `current` is the id in use.
export class ModelSwitcher {
  constructor({ select, use, onError }) {
    Object.assign(this, { select, use, onError });
    this.current = null;
    this.wanted = null;
    this.queue = Promise.resolve();
    select.addEventListener('change', () => this.switchTo(select.value));
  }

  // `reload` loads the model in use again (after the backend was lost).
  switchTo(id, { reload = false } = {}) {
    this.wanted = id;
    this.queue = this.queue
      .then(async () => {
        if (id !== this.wanted || (!reload && id === this.current)) return;
        await this.use(id);
        this.current = id;
      })
      .catch((error) => {
        this.select.value = this.current ?? id;
        this.onError(error);
      });
    return this.queue;
  }
}
