// From a frame (video, image or canvas) to the tensor a model expects, as its manifest says.
//
// The steps mirror how the model was trained, so they must match it exactly:
//   1. fromPixels: the frame as int32 [height, width, 3], values 0..255, RGB
//   2. crop and resize: a centred square (crop_fraction of the short side) scaled to the
//      input size in one cropAndResize call, or the whole frame squashed ("crop": "none")
//   3. normalise: (pixel - mean) / std, e.g. mean 127, std 128 gives about -1..1
//   4. add the batch axis: [1, height, width, 3]
// Call it inside tf.tidy: every intermediate tensor is then freed.
//
// Live video takes a faster road to step 2: the browser's own image pipeline draws just the
// crop, already scaled to the input size, into a small canvas, so fromPixels copies 224 × 224
// pixels instead of the whole 640 × 480 frame (the benchmark measured about 3 ms instead of
// 10 ms per frame; docs/PERFORMANCE.md). Its filter also smooths when it shrinks, as the
// models' training pipelines did. Still images keep cropAndResize, whose exact sampling the
// server reproduces for /api/prepare (server/prepare.py), so the two can be compared.

export function inputSize(spec) {
  const [, height, width] = spec.shape;
  return { height, width };
}

// The part of a width x height frame the model sees, as fractions [y1, x1, y2, x2].
export function cropBox(width, height, spec) {
  if ((spec.crop ?? 'center') === 'none') return [0, 0, 1, 1];
  const side = Math.min(width, height) * (spec.crop_fraction ?? 1);
  const dy = side / height / 2;
  const dx = side / width / 2;
  return [0.5 - dy, 0.5 - dx, 0.5 + dy, 0.5 + dx];
}

// fromPixels reads an <img> at its displayed size, not its own: a photo shown 480 pixels
// wide would be shrunk before the model sees it. Draw such images at full size first.
const fullSizeCanvas = document.createElement('canvas');
function fullSize(source) {
  if (!(source instanceof HTMLImageElement)) return source;
  if (source.width === source.naturalWidth && source.height === source.naturalHeight) return source;
  fullSizeCanvas.width = source.naturalWidth;
  fullSizeCanvas.height = source.naturalHeight;
  fullSizeCanvas.getContext('2d').drawImage(source, 0, 0);
  return fullSizeCanvas;
}

const videoCanvas = document.createElement('canvas');
function scaledVideoCrop(video, spec, width, height) {
  const [y1, x1, y2, x2] = cropBox(video.videoWidth, video.videoHeight, spec);
  if (videoCanvas.width !== width || videoCanvas.height !== height) {
    videoCanvas.width = width; // resizing a canvas clears and reallocates it: only when needed
    videoCanvas.height = height;
  }
  const ctx = videoCanvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'medium';
  ctx.drawImage(video, x1 * video.videoWidth, y1 * video.videoHeight,
    (x2 - x1) * video.videoWidth, (y2 - y1) * video.videoHeight, 0, 0, width, height);
  return videoCanvas;
}

function normalise(batch, spec) {
  if (spec.dtype === 'int32') return batch.round().toInt();
  return batch.sub(spec.mean ?? 0).div(spec.std ?? 1);
}

export function preprocess(source, spec) {
  const { height, width } = inputSize(spec);
  const channels = spec.channels === 'L' ? 1 : 3;
  if (source instanceof HTMLVideoElement) {
    const crop = tf.browser.fromPixels(scaledVideoCrop(source, spec, width, height), channels);
    return normalise(crop.expandDims(0).toFloat(), spec);
  }
  const pixels = tf.browser.fromPixels(fullSize(source), channels);
  const [frameHeight, frameWidth] = pixels.shape;
  const batch = tf.image.cropAndResize(
    pixels.expandDims(0).toFloat(),
    [cropBox(frameWidth, frameHeight, spec)],
    [0],
    [height, width],
    'bilinear',
  );
  return normalise(batch, spec);
}
