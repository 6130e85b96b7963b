// Readable signals from the face mesh: is the mouth open, are the eyes closed, is the head
// turned. Plain geometry on the landmarks (no model), so every number can be checked by eye.
//
// Each signal is a ratio of two distances on the same face, so it does not depend on how far
// the face is from the camera. Indices are MediaPipe's canonical face mesh (the same in the
// 468- and 478-point models); "right" is the person's right (on the left of an unmirrored photo).
const MESH = {
  noseTip: 1,
  upperLipInner: 13,
  lowerLipInner: 14,
  mouthRight: 61,
  mouthLeft: 291,
  rightEye: { outer: 33, inner: 133, upper: 159, lower: 145 },
  leftEye: { outer: 263, inner: 362, upper: 386, lower: 374 },
  cheekRight: 234, // the face's outline at the height of the eyes
  cheekLeft: 454,
};

export const REFERENCE_POINTS = {
  nose_tip: MESH.noseTip,
  right_eye_outer: MESH.rightEye.outer,
  right_eye_inner: MESH.rightEye.inner,
  left_eye_inner: MESH.leftEye.inner,
  left_eye_outer: MESH.leftEye.outer,
  mouth_right: MESH.mouthRight,
  mouth_left: MESH.mouthLeft,
};

function point(points, i) {
  return { x: points[i * 3], y: points[i * 3 + 1] };
}

function distance(points, a, b) {
  const p = point(points, a);
  const q = point(points, b);
  return Math.hypot(p.x - q.x, p.y - q.y);
}

// Eyelid gap over eye width: about 0.3 for an open eye, under 0.1 for a closed one.
function eyeOpenness(points, eye) {
  return distance(points, eye.upper, eye.lower) / distance(points, eye.outer, eye.inner);
}

// points: Float32Array [x, y, z, ...] in frame pixels; thresholds from the sliders.
export function faceSignals(points, { mouthOpen, eyeClosed, headTurn }) {
  const mouth = distance(points, MESH.upperLipInner, MESH.lowerLipInner) / distance(points, MESH.mouthRight, MESH.mouthLeft);
  const eyes = {
    right: eyeOpenness(points, MESH.rightEye),
    left: eyeOpenness(points, MESH.leftEye),
  };
  // Where the nose tip sits between the two cheek outlines: 0.5 when the face looks at the
  // camera. Turning the head to one's own right brings the nose towards the right cheek.
  const nose = point(points, MESH.noseTip).x;
  const right = point(points, MESH.cheekRight).x;
  const left = point(points, MESH.cheekLeft).x;
  const yaw = (nose - right) / (left - right) - 0.5; // < 0: turned to the person's right
  let turned = 'towards the camera';
  if (yaw < -headTurn) turned = 'to their right';
  else if (yaw > headTurn) turned = 'to their left';
  return {
    mouthRatio: mouth,
    mouthOpen: mouth >= mouthOpen,
    eyeRatios: eyes,
    eyesClosed: eyes.right < eyeClosed && eyes.left < eyeClosed,
    yaw,
    turned,
  };
}

// Named points for the page and the tests: {nose_tip: {x, y}, ...} in frame pixels.
export function referencePoints(points) {
  return Object.fromEntries(Object.entries(REFERENCE_POINTS).map(([name, i]) => [name, point(points, i)]));
}
