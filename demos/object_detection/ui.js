// The page around the detector: the score threshold, the box limit and the class filter
// (from the URL and the controls), the pause button, the model description and the counts
// per class. No TensorFlow here: main.js draws, detect.js holds the model.
import { params } from '/static/params.js';

export const $ = (id) => document.getElementById(id);

function number(name, fallback, min, max) {
  const value = Number.parseFloat(params.get(name));
  return Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

// Every setting in one place, overridable from the URL: ?score=0.5&maxBoxes=5&class=person
export function initialSettings() {
  return {
    model: params.get('model'),
    scoreThreshold: number('score', 0.35, 0.05, 0.95), // NanoDet's own demo uses 0.35
    maxBoxes: Math.round(number('maxBoxes', 20, 1, 50)),
    iouThreshold: 0.6, // boxes of one class overlapping more than this are one object (NMS)
    className: params.get('class') ?? '', // '' : every class
  };
}

export function bindControls(settings, labels, on) {
  const select = $('class');
  select.append(...labels.map((name) => new Option(name, name)));
  select.value = labels.includes(settings.className) ? settings.className : '';
  settings.className = select.value;
  select.addEventListener('change', () => {
    settings.className = select.value;
    on.settingsChanged();
  });
  const slider = (id, key, format) => {
    const input = $(id);
    const show = () => { $(`${id}-value`).textContent = format(settings[key]); };
    input.value = String(settings[key]);
    show();
    input.addEventListener('input', () => {
      settings[key] = Number(input.value);
      show();
      on.settingsChanged();
    });
  };
  slider('score', 'scoreThreshold', (v) => v.toFixed(2));
  slider('max-boxes', 'maxBoxes', (v) => String(v));
  let paused = false;
  $('pause').addEventListener('click', () => {
    paused = !paused;
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    on.pauseToggled(paused);
  });
}

export function setModelInfo(text) {
  $('model-info').textContent = text;
}

export function describeModel(manifest, loadMs, warmupMs) {
  const [, , height, width] = manifest.input.shape;
  const strides = manifest.detection.heads.map((h) => h.stride).join(', ');
  setModelInfo(`${manifest.title}: the frame squashed to ${width}×${height}, grids of stride ${strides}, `
    + `${manifest.detection.classes} classes, ${(manifest.weight_bytes / 1e6).toFixed(1)} MB of weights. `
    + `Loaded in ${loadMs.toFixed(0)} ms; first run (warm-up) ${warmupMs.toFixed(0)} ms.`);
}

// How many of each class, most first; and why there is nothing, when there is nothing.
export function renderCounts(detections, settings, colourOf) {
  const counts = new Map();
  for (const d of detections) counts.set(d.label, (counts.get(d.label) ?? 0) + 1);
  const items = [...counts].sort((a, b) => b[1] - a[1]).map(([label, count]) => {
    const li = document.createElement('li');
    const swatch = Object.assign(document.createElement('span'), { className: 'bone' });
    swatch.style.background = colourOf(label);
    li.append(swatch, `${label}: ${count}`);
    return li;
  });
  if (!items.length) {
    const what = settings.className || 'object';
    items.push(Object.assign(document.createElement('li'), {
      className: 'muted',
      textContent: `No ${what} found with a score of ${settings.scoreThreshold.toFixed(2)} or more.`,
    }));
  }
  const cut = detections.filter((d) => d.cut).length;
  if (cut) {
    items.push(Object.assign(document.createElement('li'), {
      className: 'muted', textContent: `${cut} cut by the frame's edge (the box stops at the edge).`,
    }));
  }
  $('counts').replaceChildren(...items);
}
