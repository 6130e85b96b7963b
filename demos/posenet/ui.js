// The page around the model: settings from the URL and the controls, the model and camera
// lists, the notice, and the per-person readout. No TensorFlow here; main.js has the ML.
import { params } from '/static/params.js';

export const $ = (id) => document.getElementById(id);

const RESOLUTIONS = ['320x240', '640x480', '1280x720'];

function number(name, fallback) {
  const value = Number.parseFloat(params.get(name));
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : fallback;
}

// Every setting in one place, with its default, overridable from the URL so a link
// reproduces a run: ?model=movenet-thunder&threshold=0.5&minPoseScore=0.3&mirror=0
export function initialSettings() {
  return {
    model: params.get('model'), // null: the first installed of demo.toml's list
    threshold: number('threshold', 0.3), // a keypoint is drawn when its score reaches this
    minPoseScore: number('minPoseScore', 0.25), // a person is drawn when the pose score reaches this
    // The camera is mirrored, as people expect to see themselves (raise your right hand and
    // the hand on the right of the screen goes up); a file is not. ?mirror=0|1 or the
    // checkbox decide for good.
    mirrored: params.get('mirror') !== '0',
    mirrorChosen: params.has('mirror'),
    resolution: RESOLUTIONS.includes(params.get('resolution')) ? params.get('resolution') : '640x480',
    useCamera: params.get('source') !== 'file',
  };
}

// Wire every control to `settings` (kept current) and to the callbacks of main.js.
export function bindControls(settings, on) {
  const slider = (id, key) => {
    const input = $(id);
    const show = () => { $(`${id}-value`).textContent = settings[key].toFixed(2); };
    input.value = String(settings[key]);
    show();
    input.addEventListener('input', () => {
      settings[key] = Number(input.value);
      show();
      on.settingsChanged();
    });
  };
  slider('threshold', 'threshold');
  slider('min-pose-score', 'minPoseScore');

  $('mirror').checked = settings.mirrored;
  setMirrored(settings.mirrored);
  $('mirror').addEventListener('change', () => {
    settings.mirrored = $('mirror').checked;
    settings.mirrorChosen = true;
    setMirrored(settings.mirrored);
    on.settingsChanged();
  });

  $('resolution').value = settings.resolution;
  $('resolution').addEventListener('change', () => {
    settings.resolution = $('resolution').value;
    on.cameraChanged();
  });
  $('camera').addEventListener('change', () => on.cameraChanged());
  $('model').addEventListener('change', () => on.modelChanged($('model').value));
  $('pause').addEventListener('click', () => on.pauseToggled());
}

export function showPaused(paused) {
  $('pause').textContent = paused ? 'Resume' : 'Pause';
}

// The video is mirrored by CSS (`.stage.mirrored video`); the overlay canvas is not, because
// main.js mirrors the points it draws, so the drawing stays aligned with the picture.
function setMirrored(mirrored) {
  $('stage').classList.toggle('mirrored', mirrored);
}

// A new source: mirror the camera, not a file, unless the person already chose.
export function mirrorForSource(settings, isCamera) {
  if (settings.mirrorChosen) return;
  settings.mirrored = isCamera;
  $('mirror').checked = isCamera;
  setMirrored(isCamera);
}

export function cameraRequest(settings) {
  const [width, height] = settings.resolution.split('x').map(Number);
  return { deviceId: $('camera').value || undefined, width, height };
}

// The models demo.toml lists, in its order, then any other installed pose model the demo
// knows how to run. Missing ones stay in the list, disabled, with the command to install them.
export function fillModelChoices(installed, wanted) {
  const preferred = $('demo').dataset.models.split(' ').filter(Boolean);
  const byId = new Map(installed.map((m) => [m.id, m]));
  const ids = [...preferred, ...installed.map((m) => m.id).filter((id) => !preferred.includes(id))];
  for (const id of ids) {
    const model = byId.get(id);
    const option = new Option(model ? model.title ?? id : `${id} (not installed)`, id);
    option.disabled = !model;
    if (!model) option.title = `python -m converters pull ${id}`;
    $('model').append(option);
  }
  const chosen = wanted ?? ids.find((id) => byId.has(id));
  if (!chosen) throw new Error('No pose model is installed. Run: python -m converters defaults');
  if (!byId.has(chosen)) {
    throw new Error(`The model "${chosen}" is not installed. Run python -m converters list to see the models that can be installed, then python -m converters pull <id>.`);
  }
  $('model').value = chosen;
  return chosen;
}

export function fillCameraChoices(cameras) {
  const select = $('camera');
  const current = select.value;
  select.replaceChildren(new Option('default', ''));
  cameras.forEach((camera, i) => select.append(new Option(camera.label || `camera ${i + 1}`, camera.deviceId)));
  select.value = current;
}

export function showNotice(message) {
  $('notice').textContent = message;
  $('notice').hidden = !message;
}

export function setModelInfo(text) {
  $('model-info').textContent = text;
}

// Show the <video> or the <img>, whichever holds the frame being analysed.
export function showSource(element) {
  $('video').hidden = element !== $('video');
  $('still').hidden = element !== $('still');
}

// One line per person, in the colour of their bones: pose score and keypoints shown.
export function renderPoseList(poses, settings, total, colors) {
  const items = poses.map((pose, i) => {
    const li = document.createElement('li');
    const swatch = Object.assign(document.createElement('span'), { className: 'bone' });
    swatch.style.background = colors[i % colors.length];
    li.append(swatch, `Person ${i + 1}: pose score ${pose.score.toFixed(2)}, `
      + `${pose.keypoints.length} of 17 keypoints shown`);
    return li;
  });
  const hidden = total - poses.length;
  if (!poses.length) {
    items.push(Object.assign(document.createElement('li'), { className: 'muted', textContent: 'Nobody found.' }));
  }
  if (hidden > 0) {
    items.push(Object.assign(document.createElement('li'), {
      className: 'muted',
      textContent: `${hidden} more below the pose score ${settings.minPoseScore.toFixed(2)}.`,
    }));
  }
  $('pose-list').replaceChildren(...items);
}
