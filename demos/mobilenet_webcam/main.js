// Live image classification: camera frame -> preprocess (as the manifest says) -> model ->
// softmax -> top 5. Any installed classifier works, because everything model-specific (input
// size, value range, crop, background class, labels) comes from its manifest.
import { onBackendLost, setupBackend } from '/static/backend.js';
import { CameraError, listCameras, mediaFromFile, onFileChosen, openCamera, stopCamera } from '/static/camera.js';
import { probabilities, topK } from '/static/classify.js';
import { demo, showError, clearError } from '/static/demo_state.js';
import { renderBars } from '/static/draw.js';
import { listModels, loadClassifier } from '/static/models.js';
import { params } from '/static/params.js';
import { preprocess, inputSize } from '/static/preprocess.js';
import { Stats } from '/static/stats.js';

const $ = (id) => document.getElementById(id);
const stats = new Stats();
const state = {
  model: null, // the loaded tf.GraphModel or tf.LayersModel
  manifest: null,
  labels: null,
  source: null, // what we classify: the <video> (camera or file) or an <img>
  paused: false,
  loop: 0, // bumped to stop an old frame loop when the source or model changes
};

async function classify(source) {
  // tf.tidy frees the frame, the resized copy and the raw output once we have the
  // probabilities; without it every frame would leak a handful of tensors.
  const probs = tf.tidy(() => {
    const input = preprocess(source, state.manifest.input);
    return probabilities(state.model.predict(input), state.manifest.output);
  });
  const top = await topK(probs, state.labels, 5);
  probs.dispose();
  return top;
}

async function useModel(id) {
  state.loop += 1; // stop classifying with the old model
  $('model-info').textContent = `Loading ${id}…`;
  demo.ready = false;
  // Loaded, labelled and warmed up: the first prediction compiles kernels and allocates
  // memory, many times slower than the next, so it runs on zeros now, not on a frame.
  const { manifest, model, labels, loadNote, warmupMs } = await loadClassifier(id);
  stats.setNote(loadNote);
  // The old model's weights live in the backend's memory, not JavaScript's: free them.
  try {
    state.model?.dispose();
  } catch {
    // Its backend is gone (a lost WebGL context): nothing left to free.
  }
  Object.assign(state, { model, manifest, labels });
  demo.model = id;

  const { height, width } = inputSize(manifest.input);
  $('model-info').textContent = `${manifest.title}: ${width}×${height} input, ${manifest.output.classes} classes, `
    + `${(manifest.weight_bytes / 1e6).toFixed(1)} MB of weights${manifest.quantization ? ` (${manifest.quantization})` : ''}. `
    + `First prediction (warm-up): ${warmupMs.toFixed(0)} ms.`;
  stats.reset();
  demo.ready = true;
  start();
}

// Classify every new frame of a video, or an image once.
function start() {
  const loop = ++state.loop;
  const source = state.source;
  if (!source || !state.model) return;
  const step = async () => {
    if (loop !== state.loop) return; // a newer loop took over
    if (!state.paused) {
      let top;
      try {
        stats.begin();
        top = await classify(source);
        stats.end();
      } catch (error) {
        // A frame in flight when the model or backend changed may fail; that loop is over.
        if (loop === state.loop) showError(error);
        return;
      }
      if (loop !== state.loop) return;
      renderBars($('top5'), top);
      demo.result = { top, source: state.sourceKind };
    }
    if (source instanceof HTMLVideoElement) {
      // Wake up when the video has a new frame, not on a fixed timer.
      source.requestVideoFrameCallback(step);
    }
  };
  step();
}

// kind: 'camera', 'image' or 'video' (a file)
function showSource(element, kind) {
  const video = $('video');
  const still = $('still');
  video.hidden = element !== video;
  still.hidden = element !== still;
  state.source = element;
  state.sourceKind = kind;
}

async function useCamera(deviceId) {
  $('notice').hidden = true;
  await openCamera($('video'), {
    deviceId,
    onEnded: (error) => fallBackToFile(error),
  });
  showSource($('video'), 'camera');
  start();
}

function fallBackToFile(error) {
  state.loop += 1;
  $('notice').textContent = error.message;
  $('notice').hidden = false;
}

async function useFile(file) {
  try {
    const media = await mediaFromFile(file);
    stopCamera($('video'));
    if (media instanceof HTMLImageElement) {
      $('still').src = media.src;
      await $('still').decode();
      showSource($('still'), 'image');
    } else {
      $('video').srcObject = null;
      $('video').src = media.src;
      await $('video').play();
      showSource($('video'), 'video');
    }
    clearError();
    start();
  } catch (error) {
    showError(error);
  }
}

async function fillModelChoices() {
  const installed = await listModels('image-classification');
  if (!installed.length) {
    throw new Error('No image classifier is installed. Run: python -m converters defaults');
  }
  const preferred = $('demo').dataset.models.split(' ').filter(Boolean);
  const wanted = params.get('model') ?? preferred.find((id) => installed.some((m) => m.id === id)) ?? installed[0].id;
  for (const m of installed) $('model').append(new Option(`${m.title ?? m.id}`, m.id));
  $('model').value = wanted;
  return wanted;
}

async function fillCameraChoices() {
  for (const camera of await listCameras()) {
    $('camera').append(new Option(camera.label || `camera ${$('camera').length}`, camera.deviceId));
  }
}

async function main() {
  const { backend, note } = await setupBackend();
  stats.setBackend(backend, note);
  // The GPU was reset: the model's weights went with it, so load it again on the new backend.
  onBackendLost(async (switched) => {
    state.loop += 1; // stop classifying at once: the old backend is gone
    const { backend: now, note: why } = await switched;
    stats.setBackend(now, why);
    await useModel($('model').value).catch(showError);
  });
  const modelId = await fillModelChoices();
  onFileChosen($('file'), $('dropzone'), useFile);
  $('model').addEventListener('change', () => useModel($('model').value).catch(showError));
  $('camera').addEventListener('change', () => useCamera($('camera').value).catch(fallBackToFile));
  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
    if (!state.paused) stats.reset();
    if (state.source instanceof HTMLVideoElement) state.paused ? state.source.pause() : state.source.play();
  });
  if (params.get('source') !== 'file') {
    try {
      await useCamera();
      await fillCameraChoices(); // labels are only visible once permission is granted
    } catch (error) {
      if (!(error instanceof CameraError)) throw error;
      fallBackToFile(error);
    }
  }
  await useModel(modelId);
}

main().catch(showError);
