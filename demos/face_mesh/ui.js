// The page around the face mesh: the settings (from the URL and the controls), the pause
// button, the model description and the per-face readout. No TensorFlow here: main.js runs the
// frame loop and draws, faces.js holds the model. The camera, files and mirroring are the
// shared frame source's (server/static/frame_source.js).
import { params } from '/static/params.js';

export const $ = (id) => document.getElementById(id);

function number(name, fallback, min, max) {
  const value = Number.parseFloat(params.get(name));
  return Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

// Every setting in one place, with its default, overridable from the URL so a link reproduces
// a run: ?model=facemesh&maxFaces=2&mouthOpen=0.3&eyeClosed=0.15&headTurn=0.12&mesh=0
export function initialSettings() {
  return {
    model: params.get('model'), // null: the first installed of demo.toml's list
    maxFaces: Math.round(number('maxFaces', 2, 1, 4)),
    mouthOpen: number('mouthOpen', 0.3, 0, 1), // lip gap / mouth width
    eyeClosed: number('eyeClosed', 0.15, 0, 1), // eyelid gap / eye width
    headTurn: number('headTurn', 0.12, 0, 0.5), // nose off the middle of the face, in face widths
    mesh: params.get('mesh') !== '0',
  };
}

// Wire the controls to `settings` (kept current) and to main.js's callbacks.
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
  slider('mouth-open', 'mouthOpen');
  slider('eye-closed', 'eyeClosed');
  slider('head-turn', 'headTurn');
  $('show-mesh').checked = settings.mesh;
  $('show-mesh').addEventListener('change', () => {
    settings.mesh = $('show-mesh').checked;
    on.settingsChanged();
  });
  $('max-faces').value = String(settings.maxFaces);
  $('max-faces').addEventListener('change', () => {
    settings.maxFaces = Number($('max-faces').value);
    on.maxFacesChanged(); // the library is built for a maximum: it is built again
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

export function describeModel(landmarks, detector, loadMs, warmupMs) {
  const mb = (m) => (m.weight_bytes / 1e6).toFixed(1);
  setModelInfo(`${landmarks.title}: a 192×192 crop per face, ${mb(landmarks)} MB; `
    + `faces found by ${detector.title}: ${detector.input.shape[2]}×${detector.input.shape[1]}, ${mb(detector)} MB. `
    + `Loaded in ${loadMs.toFixed(0)} ms; first estimate (warm-up) ${warmupMs.toFixed(0)} ms.`);
}

// One line per face, in the colour of its mesh: the three signals with their numbers.
export function renderFaceList(faces, colors, settings) {
  const items = faces.map((face, i) => {
    const li = document.createElement('li');
    const swatch = Object.assign(document.createElement('span'), { className: 'bone' });
    swatch.style.background = colors[i % colors.length];
    const s = face.signals;
    li.append(swatch, `Face ${i + 1}: `
      + `mouth ${s.mouthOpen ? 'open' : 'closed'} (${s.mouthRatio.toFixed(2)}), `
      + `eyes ${s.eyesClosed ? 'closed' : 'open'} (${s.eyeRatios.right.toFixed(2)} / ${s.eyeRatios.left.toFixed(2)}), `
      + `head turned ${s.turned} (${s.yaw >= 0 ? '+' : ''}${s.yaw.toFixed(2)})`
      + (face.blinks ? `, ${face.blinks} blink${face.blinks === 1 ? '' : 's'}` : ''));
    return li;
  });
  if (!faces.length) {
    items.push(Object.assign(document.createElement('li'), {
      className: 'muted',
      textContent: 'No face found. The detector is made for faces within about two metres of the camera: '
        + 'come closer, face the light, or try another picture.',
    }));
  } else if (faces.length === settings.maxFaces && settings.maxFaces < 4) {
    items.push(Object.assign(document.createElement('li'), {
      className: 'muted', textContent: `At most ${settings.maxFaces} face${settings.maxFaces === 1 ? '' : 's'}: raise "Faces at most" to see more.`,
    }));
  }
  $('face-list').replaceChildren(...items);
}
