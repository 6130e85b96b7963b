// Hand gestures from the 21 landmarks, by geometric rules anyone can read and check: no model,
// no training. Three measurements, each one a number from 0 to 1:
//
//   curl(finger)  how bent a finger is, from the angles at its joints: 0 straight, 1 curled.
//   thumb out     how far the thumb's tip is from the index finger's middle joint, in palm sizes:
//                 0 when the thumb is tucked against the curled fingers (a fist), 1 when it
//                 sticks out of them (a thumbs up).
//   thumb up      how close the thumb (its root joint to its tip) is to pointing up in the picture.
//
// Every gesture is then a list of conditions on those, and its score is the weakest condition's
// ("a chain is as strong as its weakest link"): a hand with one finger half bent is not a sure
// anything. The README has the table of photos these rules were checked on.
//
// MediaPipe's 21 points: 0 the wrist, then four per finger from its root to its tip.
export const FINGERS = {
  thumb: [1, 2, 3, 4],
  index: [5, 6, 7, 8],
  middle: [9, 10, 11, 12],
  ring: [13, 14, 15, 16],
  pinky: [17, 18, 19, 20],
};
export const KEYPOINT_NAMES = ['wrist', ...Object.entries(FINGERS).flatMap(([finger]) => (finger === 'thumb'
  ? ['thumb_cmc', 'thumb_mcp', 'thumb_ip', 'thumb_tip']
  : ['mcp', 'pip', 'dip', 'tip'].map((joint) => `${finger}_${joint}`)))];
// The bones: each finger from the wrist to its tip, and across the palm between finger roots.
export const BONES = [
  ...Object.values(FINGERS).flatMap(([a, b, c, d]) => [[0, a], [a, b], [b, c], [c, d]]),
  [5, 9], [9, 13], [13, 17],
];
const WRIST = 0;
const INDEX_PIP = 6;
const MIDDLE_MCP = 9;
const THUMB_MCP = 2;
const THUMB_TIP = 4;

// A finger's bend is the sum of the angles between its successive bones (wrist → root → the
// three phalanges), in 3D. Angles do not change when the hand is nearer, turned in the picture
// or mirrored, so one rule fits every hand. Measured on the test photos (README): straight
// fingers 0-40°, fingers curled into a fist 200° or more. The thumb has one joint fewer and
// bends less. Between the two bounds the curl goes linearly from 0 to 1.
const STRAIGHT = { finger: 40, thumb: 30 };
const CURLED = { finger: 180, thumb: 100 };
// The thumb's tip from the index finger's middle joint (PIP), in palm sizes (wrist to the middle
// finger's root): 0.30-0.37 on the fist photo and its variants (the thumb lies on that joint),
// 1.1-1.7 on the thumbs-up photos. In between the thumb is "a bit out".
const THUMB_TUCKED = 0.5;
const THUMB_OUT = 1.0;
// "Up" is the thumb's angle from the picture's vertical: fully up within 30°, not up past 60°.
const UP_FULL = Math.cos((30 * Math.PI) / 180);
const UP_NONE = Math.cos((60 * Math.PI) / 180);
// A gesture is named when its score reaches this (the page's slider overrides it).
export const MIN_GESTURE_SCORE = 0.7;

const point = (points, i) => [points[i * 3], points[i * 3 + 1], points[i * 3 + 2]];
const minus = (a, b) => a.map((v, k) => v - b[k]);
const length = (v) => Math.hypot(...v);
const ramp = (value, from, to) => Math.max(0, Math.min(1, (value - from) / (to - from)));

function angle(a, b) {
  const norm = length(a) * length(b);
  if (!norm) return 0;
  const cos = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / norm;
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

// 0 for a straight finger, 1 for a fully curled one.
function curl(points, name) {
  const chain = (name === 'thumb' ? FINGERS.thumb : [WRIST, ...FINGERS[name]]).map((i) => point(points, i));
  let bend = 0;
  for (let i = 0; i + 2 < chain.length; i++) bend += angle(minus(chain[i + 1], chain[i]), minus(chain[i + 2], chain[i + 1]));
  const kind = name === 'thumb' ? 'thumb' : 'finger';
  return ramp(bend, STRAIGHT[kind], CURLED[kind]);
}

// points: Float32Array [x, y, z] × 21 in frame pixels (y grows downwards).
// -> {fingers: {thumb: curl, ...}, thumb: {out, up}, scores: {gesture: score}, gesture, score}
export function recognise(points, minScore = MIN_GESTURE_SCORE) {
  const fingers = Object.fromEntries(Object.keys(FINGERS).map((name) => [name, curl(points, name)]));
  const palm = length(minus(point(points, MIDDLE_MCP), point(points, WRIST))) || 1;
  const tip = point(points, THUMB_TIP);
  const out = ramp(length(minus(tip, point(points, INDEX_PIP))) / palm, THUMB_TUCKED, THUMB_OUT);
  const [dx, dy] = minus(tip, point(points, THUMB_MCP));
  const up = ramp(-dy / (Math.hypot(dx, dy) || 1), UP_NONE, UP_FULL); // -dy: y grows downwards
  const straight = (name) => 1 - fingers[name];
  const curled = (name) => fingers[name];
  const all = (...conditions) => Math.min(...conditions);
  const fourCurled = all(curled('index'), curled('middle'), curled('ring'), curled('pinky'));
  const scores = {
    open_palm: all(straight('thumb'), straight('index'), straight('middle'), straight('ring'), straight('pinky')),
    // The thumb's direction does not matter for a fist (a fist turned sideways is a fist);
    // whether the thumb sticks out does.
    fist: all(fourCurled, 1 - out),
    thumbs_up: all(fourCurled, out, up),
    // The thumb is free in these two: people point and make a V with it folded or not.
    pointing: all(straight('index'), curled('middle'), curled('ring'), curled('pinky')),
    victory: all(straight('index'), straight('middle'), curled('ring'), curled('pinky')),
  };
  const [best, score] = Object.entries(scores).sort((a, b) => b[1] - a[1])[0];
  return { fingers, thumb: { out, up }, scores, gesture: score >= minScore ? best : null, score };
}

export const GESTURE_LABELS = {
  open_palm: 'open palm', fist: 'fist', thumbs_up: 'thumbs up', pointing: 'pointing', victory: 'victory',
};
