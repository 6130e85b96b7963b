// The page around the model: the background settings (from the URL and the controls), the
// pause button, the model description and the status lines. No TensorFlow here: main.js
// composites, segment.js holds the model. The camera, files and mirroring are the shared
// frame source's (server/static/frame_source.js).
import { params } from '/static/params.js';

export const $ = (id) => document.getElementById(id);

const MODES = ['blur', 'colour', 'image', 'mask'];

function integer(name, fallback, max) {
  const value = Number.parseInt(params.get(name), 10);
  return Number.isInteger(value) && value >= 0 && value <= max ? value : fallback;
}

// Every setting in one place, with its default, overridable from the URL so a link
// reproduces a run: ?mode=colour&colour=%2300ff00&edge=0
export function initialSettings() {
  const colour = params.get('colour');
  return {
    model: params.get('model'), // null: the first installed of demo.toml's list
    mode: MODES.includes(params.get('mode')) ? params.get('mode') : 'blur',
    blur: integer('blur', 12, 30), // background blur radius, in displayed pixels
    edge: integer('edge', 3, 12), // mask blur radius: how softly the person fades into the background
    colour: /^#[0-9a-f]{6}$/i.test(colour ?? '') ? colour : '#2e7d32',
    picture: null, // an ImageBitmap of the chosen background picture
  };
}

export function bindControls(settings, on) {
  const slider = (id) => {
    const input = $(id);
    const show = () => { $(`${id}-value`).textContent = `${settings[id]} px`; };
    input.value = String(settings[id]);
    show();
    input.addEventListener('input', () => {
      settings[id] = Number(input.value);
      show();
      on.settingsChanged();
    });
  };
  slider('blur');
  slider('edge');
  $('mode').value = settings.mode;
  $('mode').addEventListener('change', () => {
    settings.mode = $('mode').value;
    on.settingsChanged();
  });
  $('colour').value = settings.colour;
  $('colour').addEventListener('input', () => {
    settings.colour = $('colour').value;
    on.settingsChanged();
  });
  $('background-file').addEventListener('change', async () => {
    const [file] = $('background-file').files;
    if (!file) return;
    try {
      settings.picture?.close();
      settings.picture = await createImageBitmap(file);
      settings.mode = 'image';
      $('mode').value = 'image';
      on.settingsChanged();
    } catch {
      on.pictureRefused(`"${file.name}" is not an image this browser can read.`);
    }
  });
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

const followsOnePerson = (manifest) => manifest.pose?.family === 'blazepose';

export function describeModel(manifest, loadMs, warmupMs) {
  const [, height, width] = manifest.input.shape;
  const weights = `${(manifest.weight_bytes / 1e6).toFixed(2)} MB of weights`;
  const how = followsOnePerson(manifest)
    ? `finds one person, crops around them and masks them at ${width}×${height} inside the crop`
    : `the frame squashed to ${width}×${height}, one person probability per pixel`;
  setModelInfo(`${manifest.title}: ${how}, ${weights}. `
    + `Loaded in ${loadMs.toFixed(0)} ms; first run (warm-up) ${warmupMs.toFixed(0)} ms.`);
}

// What the last mask says, in words.
export function renderStatus({ coverage, maskWidth, maskHeight }, settings, manifest) {
  const who = followsOnePerson(manifest)
    ? 'one person: BlazePose follows one, anyone else stays background'
    : 'everyone in view: the mask does not tell people apart';
  const lines = coverage < 0.005
    ? ['Nobody found: the whole frame counts as background.']
    : [`Person: ${(coverage * 100).toFixed(0)}% of the frame (${who}).`];
  lines.push(`Mask: ${maskWidth}×${maskHeight}, stretched over the frame; edges softened by ${settings.edge} px.`);
  if (settings.mode === 'image' && !settings.picture) lines.push('Choose a picture for the background (a colour until then).');
  $('status').replaceChildren(...lines.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
}
