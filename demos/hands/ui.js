// The page around the hand models: the settings (from the URL and the controls), the pause
// button, the model description and the per-hand readout. No TensorFlow here: main.js runs the
// frame loop and draws, hands.js holds the models. The camera, files and mirroring are the
// shared frame source's (server/static/frame_source.js).
import { params } from '/static/params.js';
import { GESTURE_LABELS, MIN_GESTURE_SCORE } from './gestures.js';

export const $ = (id) => document.getElementById(id);

function number(name, fallback) {
  const value = Number.parseFloat(params.get(name));
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : fallback;
}

// Every setting in one place, overridable from the URL so a link reproduces a run:
// ?model=handlandmark-lite&maxHands=1&minDetection=0.4&minPresence=0.5&minGesture=0.7
export function initialSettings() {
  return {
    model: params.get('model'),
    maxHands: params.get('maxHands') === '1' ? 1 : 2,
    // Low on purpose: handtrack scores some real hands under 0.1 (README), and a box with no hand
    // in it is dropped by the landmark model's presence score anyway.
    minDetectionScore: number('minDetection', 0.1), // the detector's box score
    minPresence: number('minPresence', 0.5), // the landmark model's "a hand is in this crop"
    minGesture: number('minGesture', MIN_GESTURE_SCORE),
  };
}

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
  slider('min-detection', 'minDetectionScore');
  slider('min-presence', 'minPresence');
  slider('min-gesture', 'minGesture');
  $('max-hands').value = String(settings.maxHands);
  $('max-hands').addEventListener('change', () => {
    settings.maxHands = Number($('max-hands').value);
    on.settingsChanged();
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
  const [h, w] = detector.pipeline.input_size;
  setModelInfo(`${landmarks.title}: a 224×224 crop per hand, ${mb(landmarks)} MB; `
    + `hands found by ${detector.title}: ${w}×${h}, ${mb(detector)} MB. `
    + `Loaded in ${loadMs.toFixed(0)} ms; first run of both (warm-up) ${warmupMs.toFixed(0)} ms.`);
}

export function renderHandList(hands, colors) {
  const items = hands.map((hand) => {
    const li = document.createElement('li');
    const swatch = Object.assign(document.createElement('span'), { className: 'bone' });
    swatch.style.background = colors[hand.handedness];
    const gesture = hand.gesture
      ? `${GESTURE_LABELS[hand.gesture]} (${hand.gestureScore.toFixed(2)})`
      : `no gesture (best ${hand.gestureScore.toFixed(2)})`;
    li.append(swatch, `${hand.handedness === 'right' ? 'Right' : 'Left'} hand: ${gesture}; `
      + `present ${hand.presence.toFixed(2)}`
      + (hand.detection ? `, detector: "${hand.detection.shape}" ${hand.detection.score.toFixed(2)}` : ', followed'));
    return li;
  });
  if (!hands.length) {
    items.push(Object.assign(document.createElement('li'), {
      className: 'muted', textContent: 'No hand found. Hold a hand up to the camera, fingers apart, in good light.',
    }));
  }
  $('hand-list').replaceChildren(...items);
}
