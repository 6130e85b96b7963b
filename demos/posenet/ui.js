// The page around the model: the two score thresholds (from the URL and the sliders), the
// pause button, the model description and the per-person readout. No TensorFlow here:
// main.js runs the frame loop and draws, poses.js holds the model. The camera, files and
// mirroring are the shared frame source's (server/static/frame_source.js).
import { params } from '/static/params.js';

export const $ = (id) => document.getElementById(id);

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
    showMask: params.get('mask') === '1', // BlazePose's person mask over the video
  };
}

// Wire the sliders to `settings` (kept current) and the controls to main.js's callbacks.
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

  $('show-mask').checked = settings.showMask;
  $('show-mask').addEventListener('change', () => {
    settings.showMask = $('show-mask').checked;
    on.settingsChanged();
  });

  let paused = false;
  $('pause').addEventListener('click', () => {
    paused = !paused;
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    on.pauseToggled(paused);
  });
}

// The person mask and the 3D view exist only for BlazePose.
export function showBlazePoseExtras(shown) {
  $('mask-control').hidden = !shown;
  $('world-view').hidden = !shown;
}

export function setModelInfo(text) {
  $('model-info').textContent = text;
}

export function describeModel(manifest, loadMs, warmupMs) {
  const pose = manifest.pose;
  const input = pose.family === 'posenet'
    ? `${pose.input_resolution}×${pose.input_resolution} input, output stride ${pose.output_stride}`
    : pose.family === 'blazepose'
      ? `a person detector, then ${manifest.input.shape[2]}×${manifest.input.shape[1]} crop around the person: 33 keypoints, 3D and a mask`
      : pose.model_type.startsWith('MultiPose')
      ? `frame scaled to ${pose.input_resolution} px on its longer side, up to 6 people`
      : `${manifest.input.shape[2]}×${manifest.input.shape[1]} crop around the person`;
  const weights = `${(manifest.weight_bytes / 1e6).toFixed(1)} MB of weights${manifest.quantization ? ` (${manifest.quantization})` : ''}`;
  setModelInfo(`${manifest.title}: ${input}, ${weights}. Loaded in ${loadMs.toFixed(0)} ms; `
    + `first estimate (warm-up) ${warmupMs.toFixed(0)} ms.`);
}

// One line per person, in the colour of their bones: pose score and keypoints shown.
export function renderPoseList(poses, settings, total, colors, manifest) {
  const keypoints = manifest?.pose.keypoints ?? 17;
  const items = poses.map((pose, i) => {
    const li = document.createElement('li');
    const swatch = Object.assign(document.createElement('span'), { className: 'bone' });
    swatch.style.background = colors[i % colors.length];
    li.append(swatch, `Person ${i + 1}: pose score ${pose.score.toFixed(2)}, `
      + `${pose.keypoints.length} of ${keypoints} keypoints shown`);
    return li;
  });
  if (manifest?.pose.family === 'blazepose') {
    items.push(Object.assign(document.createElement('li'), {
      className: 'muted', textContent: 'BlazePose follows one person: with several in view, it keeps to one of them.',
    }));
  }
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
