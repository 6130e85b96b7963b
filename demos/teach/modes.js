// What a project teaches: pictures (Image) or body poses (Pose). The page side of each mode:
// which base model extracts the features (trainer.js and pose_features.js run it), what part
// of a frame it is given, how many examples fit in memory, what the Teachable Machine export's
// metadata.json says, and what is drawn over the video. Everything else (classes, examples,
// the held-out split, training, the chart, saving) is the same for both, in main.js.
//
// A project has one mode: an embedding means something only to the base that made it (1280
// EfficientNet numbers are not 14,739 PoseNet numbers), so examples and a head from one mode
// are useless to the other. Changing the mode starts a new project.
import { drawPose, prepareOverlay, viewTransform } from '/static/draw.js';
import { scaledFrame } from '/static/frame_loop.js';
import { cropRect } from '/static/preprocess.js';

// The library versions whose export format each mode writes (and whose metadata.json fields
// they read): @teachablemachine/image 0.8.5 and @teachablemachine/pose 0.8.6.
const TM_IMAGE_VERSION = '0.8.5';
const TM_POSE_VERSION = '0.8.6';

// A pose is "a person" when PoseNet's 17 keypoints score this much on average. Measured on
// the test photos (crops of them, tests/test_browser_teach_pose.py): the astronaut 0.49 to
// 0.50, Grace Hopper 0.42 to 0.44 (upper bodies: the legs score nothing); the coffee cup
// 0.002, the rocket 0.007, the cat 0.06.
export const MIN_PERSON_SCORE = 0.25;
const KEYPOINT_SCORE = 0.3; // keypoints drawn: the ones PoseNet is this sure of

export const MODES = {
  image: {
    id: 'image',
    title: 'Image',
    base: 'efficientnet-lite0',
    // Each example keeps 1280 numbers twice (page and worker, 5 kB each) and a 224 × 224 JPEG
    // (about 10 kB): 1000 examples are about 20 MB, comfortable on a phone.
    maxExamples: 1000,
    // Teachable Machine's crop: the largest centred square, scaled to the base's 224 × 224.
    // The export must see what training saw, and @teachablemachine/image crops this way.
    capture: (size, manifest) => cropRect(size, { ...manifest.input, crop: 'center', crop_fraction: 1 }),
    metadata: ({ labels, manifest }) => ({
      packageVersion: TM_IMAGE_VERSION,
      packageName: '@teachablemachine/image',
      // userMetadata says where the model came from and how its input is scaled (for
      // `python -m converters import`).
      userMetadata: { trainedIn: 'tfjs-gallery', base: manifest.id, input: { mean: 127, std: 127, crop: 'center', crop_fraction: 1 } },
      labels,
      imageSize: 224,
    }),
  },
  pose: {
    id: 'pose',
    title: 'Pose',
    base: 'posenet',
    // 14,739 numbers per example, twice (59 kB each), and the frame as a JPEG (about 40 kB):
    // 300 examples are about 50 MB.
    maxExamples: 300,
    // The whole frame, as tmPose takes it (it pads it to a square itself, and so does the
    // worker); larger pictures are scaled to 640 pixels on their long side first, which is as
    // much as a 257 × 257 model input can use.
    capture: (size) => scaledFrame(size, 640),
    // tmPose reads labels and modelSettings.posenet (the PoseNet it loads; these are also its
    // defaults), and ignores imageSize.
    metadata: ({ labels, manifest, settings }) => ({
      packageVersion: TM_POSE_VERSION,
      packageName: '@teachablemachine/pose',
      userMetadata: { trainedIn: 'tfjs-gallery', base: manifest.id },
      labels,
      modelSettings: { posenet: settings },
    }),
  },
};

// The pose over the video: `pose` in the captured bitmap's pixels, `frame` the loop's frame
// ({crop, width, height}). Returns the pose in the frame's pixels (what window.__demo reports).
export function drawPoseOverlay(canvas, pose, frame, { skeleton, mirrored }) {
  const view = prepareOverlay(canvas);
  if (!pose) return null;
  const sx = frame.width / frame.crop.width;
  const sy = frame.height / frame.crop.height;
  const keypoints = pose.keypoints.map((k) => ({ ...k, x: k.x * sx, y: k.y * sy }));
  const toView = viewTransform({ sourceWidth: frame.width, sourceHeight: frame.height, viewWidth: view.width, viewHeight: view.height, mirrored });
  const show = (k) => k.score >= KEYPOINT_SCORE && k.x >= 0 && k.x <= frame.width && k.y >= 0 && k.y <= frame.height;
  if (pose.score >= MIN_PERSON_SCORE) drawPose(view.ctx, keypoints, { ...skeleton, show, toView });
  return { score: pose.score, keypoints: keypoints.filter(show) };
}
