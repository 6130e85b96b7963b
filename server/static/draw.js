// Drawing results: probability bars for classifiers, keypoints and skeletons for poses.

// A ranked list of {label, probability} as horizontal bars (plain DOM, so screen readers
// and tests can read it).
export function renderBars(list, items) {
  list.replaceChildren(...items.map(({ label, probability }) => {
    const li = document.createElement('li');
    const name = Object.assign(document.createElement('span'), { className: 'bar-label', textContent: label });
    const value = Object.assign(document.createElement('span'), {
      className: 'bar-value',
      textContent: `${(probability * 100).toFixed(1)}%`,
    });
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.setProperty('--p', String(probability));
    li.append(name, bar, value);
    return li;
  }));
}

// Keypoints and skeletons.
//
// Pose models report keypoints in the pixels of the frame they were given (a 640×480 camera
// gives x in 0..640), but the page shows that frame at whatever size the layout allows, and
// perhaps mirrored. `viewTransform` maps one to the other; the drawing functions below only
// ever see points already on the canvas.

// Maps a point from source pixels to view (CSS) pixels. Mirroring flips x around the view's
// centre, exactly as `transform: scaleX(-1)` flips the video under the canvas.
export function viewTransform({ sourceWidth, sourceHeight, viewWidth, viewHeight, mirrored = false }) {
  const sx = viewWidth / sourceWidth;
  const sy = viewHeight / sourceHeight;
  return ({ x, y }) => ({ x: mirrored ? viewWidth - x * sx : x * sx, y: y * sy });
}

// Size a canvas's backing store to its displayed size times the device pixel ratio (sharp
// lines on high-DPI screens), clear it, and return a 2D context that draws in CSS pixels.
export function prepareOverlay(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

export const KEYPOINT_COLORS = { left: '#ff9f1c', right: '#2ec4f6', middle: '#ffffff' };

// One pose: a dot for every keypoint that `show(keypoint)` accepts (typically: its score
// passes a threshold), and a line for every pair of them that the skeleton joins. `pairs`
// are index pairs into `keypoints`; `sides` maps a keypoint index to 'left' | 'right' |
// 'middle' for its colour. Returns what was drawn, in view pixels:
// {keypoints: [{name, x, y}], bones: count}.
export function drawPose(ctx, keypoints, { pairs, sides, show = () => true, toView, boneColor = '#32ff7e', radius = 4 }) {
  const visible = keypoints.map(show);
  const points = keypoints.map(toView);

  ctx.lineWidth = 3;
  ctx.lineCap = 'round';
  ctx.strokeStyle = boneColor;
  let bones = 0;
  for (const [a, b] of pairs) {
    if (!visible[a] || !visible[b]) continue;
    ctx.beginPath();
    ctx.moveTo(points[a].x, points[a].y);
    ctx.lineTo(points[b].x, points[b].y);
    ctx.stroke();
    bones += 1;
  }

  const drawn = [];
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#1f2933';
  keypoints.forEach((k, i) => {
    if (!visible[i]) return;
    ctx.fillStyle = KEYPOINT_COLORS[sides?.[i] ?? 'middle'];
    ctx.beginPath();
    ctx.arc(points[i].x, points[i].y, radius, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    drawn.push({ name: k.name, x: points[i].x, y: points[i].y });
  });
  return { keypoints: drawn, bones };
}

// A person mask (one byte per pixel, 0..255: how sure the model is that the pixel is the
// person) tinted over the view, stretched to its size, mirrored like the video when it is.
let maskCanvas = null;
export function drawMask(ctx, mask, { width, height, mirrored = false, color = [50, 255, 126], opacity = 0.45 }) {
  maskCanvas ??= document.createElement('canvas');
  if (maskCanvas.width !== mask.width || maskCanvas.height !== mask.height) {
    Object.assign(maskCanvas, { width: mask.width, height: mask.height });
  }
  const pixels = new ImageData(mask.width, mask.height);
  for (let i = 0; i < mask.data.length; i++) {
    pixels.data.set(color, 4 * i);
    pixels.data[4 * i + 3] = mask.data[i] * opacity;
  }
  maskCanvas.getContext('2d').putImageData(pixels, 0, 0);
  ctx.save();
  if (mirrored) {
    ctx.translate(width, 0);
    ctx.scale(-1, 1);
  }
  ctx.drawImage(maskCanvas, 0, 0, width, height);
  ctx.restore();
}
