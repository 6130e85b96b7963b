// Hand gestures from the 21 landmarks, by simple geometric rules: how bent each finger is,
// and which way the thumb points. No model and no training: every rule can be read and checked.
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

// A finger's bend: the sum of the angles between its successive bones (0 when straight). A
// straight finger measures 0-40 degrees (the landmarks are not exact); a finger curled into a
// fist, 200 or more. The thumb has one joint fewer and bends less.
const STRAIGHT = { finger: 40, thumb: 30 };
const CURLED = { finger: 180, thumb: 100 };
// A gesture is named when its score reaches this (the page's slider overrides it).
export const MIN_GESTURE_SCORE = 0.7;

function vector(points, from, to) {
  return [0, 1, 2].map((k) => points[to * 3 + k] - points[from * 3 + k]);
}

function angle(a, b) {
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const norm = Math.hypot(...a) * Math.hypot(...b);
  return norm ? (Math.acos(Math.max(-1, Math.min(1, dot / norm))) * 180) / Math.PI : 0;
}

// 0 for a straight finger, 1 for a fully curled one.
function curl(points, name) {
  const chain = name === 'thumb' ? FINGERS.thumb : [0, ...FINGERS[name]];
  let bend = 0;
  for (let i = 0; i + 2 < chain.length; i++) {
    bend += angle(vector(points, chain[i], chain[i + 1]), vector(points, chain[i + 1], chain[i + 2]));
  }
  const kind = name === 'thumb' ? 'thumb' : 'finger';
  return Math.max(0, Math.min(1, (bend - STRAIGHT[kind]) / (CURLED[kind] - STRAIGHT[kind])));
}

// points: Float32Array [x, y, z] × 21 in frame pixels (y grows downwards).
// -> {fingers: {thumb: curl, ...}, scores: {gesture: score}, gesture, score}
export function recognise(points, minScore = MIN_GESTURE_SCORE) {
  const curls = Object.fromEntries(Object.keys(FINGERS).map((name) => [name, curl(points, name)]));
  const straight = (name) => 1 - curls[name];
  const curled = (name) => curls[name];
  // How much the thumb points up in the picture: 1 straight up, 0 sideways or down.
  const t = vector(points, 2, 4);
  const up = Math.max(0, -t[1] / (Math.hypot(t[0], t[1]) || 1));
  const thumbUp = straight('thumb') * up;
  const mean = (...values) => values.reduce((s, v) => s + v, 0) / values.length;
  const fourCurled = [curled('index'), curled('middle'), curled('ring'), curled('pinky')];
  const scores = {
    open_palm: mean(straight('thumb'), straight('index'), straight('middle'), straight('ring'), straight('pinky')),
    fist: mean(...fourCurled, 1 - thumbUp),
    thumbs_up: mean(...fourCurled, thumbUp),
    pointing: mean(straight('index'), curled('middle'), curled('ring'), curled('pinky')),
    victory: mean(straight('index'), straight('middle'), curled('ring'), curled('pinky')),
  };
  const [best, score] = Object.entries(scores).sort((a, b) => b[1] - a[1])[0];
  return { fingers: curls, scores, gesture: score >= minScore ? best : null, score };
}

export const GESTURE_LABELS = {
  open_palm: 'open palm', fist: 'fist', thumbs_up: 'thumbs up', pointing: 'pointing', victory: 'victory',
};
