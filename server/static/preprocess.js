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
// Live demos take a faster road to step 2: the frame loop (frame_loop.js) has the browser cut
// just the crop out of the video frame, already scaled to the input size, into an ImageBitmap
// (cropRect below gives the rectangle), so fromPixels copies 224 × 224 pixels instead of the
// whole 640 × 480 frame (the benchmark measured about 3 ms instead of 10 ms per frame;
// docs/PERFORMANCE.md). Its filter also smooths when it shrinks, as the models' training
// pipelines did. fromCapturedFrame then does steps 1, 3 and 4. Still images on pages that
// compare with the server (/api/prepare) keep cropAndResize, whose exact sampling the server
// reproduces (server/prepare.py).

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
let fullSizeCanvas = null;
function fullSize(source) {
  if (!(source instanceof HTMLImageElement)) return source;
  if (source.width === source.naturalWidth && source.height === source.naturalHeight) return source;
  fullSizeCanvas ??= document.createElement('canvas');
  fullSizeCanvas.width = source.naturalWidth;
  fullSizeCanvas.height = source.naturalHeight;
  fullSizeCanvas.getContext('2d').drawImage(source, 0, 0);
  return fullSizeCanvas;
}

function normalise(batch, spec) {
  if (spec.dtype === 'int32') return batch.round().toInt();
  return batch.sub(spec.mean ?? 0).div(spec.std ?? 1);
}

function channelsOf(spec) {
  return spec.channels === 'L' ? 1 : 3;
}

// The rectangle of a width x height frame to capture for this input, and its size once
// scaled: {sx, sy, sw, sh, width, height}, for createImageBitmap (frame_loop.js).
export function cropRect({ width, height }, spec) {
  const [y1, x1, y2, x2] = cropBox(width, height, spec);
  return { sx: x1 * width, sy: y1 * height, sw: (x2 - x1) * width, sh: (y2 - y1) * height, ...inputSize(spec) };
}

// A frame already cropped and scaled to the input size (an ImageBitmap from the frame loop).
export function fromCapturedFrame(frame, spec) {
  const pixels = tf.browser.fromPixels(frame, channelsOf(spec));
  return normalise(pixels.expandDims(0).toFloat(), spec);
}

// Any picture (an <img>, a canvas): crop and resize with TF.js, exactly as the server does.
export function preprocess(source, spec) {
  const { height, width } = inputSize(spec);
  const pixels = tf.browser.fromPixels(fullSize(source), channelsOf(spec));
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
