// The model's side of the face mesh demo. It runs where inference runs: in the inference worker
// (server/static/inference_worker.js), or on the page with ?worker=0. Frames arrive as
// ImageBitmaps; faces go back as plain data, in the bitmap's pixels.
//
// @tensorflow-models/face-landmarks-detection (tfjs runtime) does the two-stage work:
//   1. the detector (BlazeFace, 128×128) finds each face: a box and six keypoints;
//   2. the box is turned so the eyes are level, enlarged to take in the whole head, and that
//      crop, scaled to 192×192, goes to the mesh model: 468 points, or 478 with the irises;
//   3. on the next video frame the crop comes from the last mesh instead of the detector, so
//      the detector only runs when a face is new (or lost).
// This file builds the library from the two models' files (the page read them from the
// browser's cache) and hands it the frames.

let detector = null; // the library's FaceLandmarksDetector
let model = null; // {landmarks, maxFaces}

// The mesh's edges, from the library's own triangulation: each triangle's three sides, once.
function meshEdges() {
  return faceLandmarksDetection.util.getAdjacentPairs(faceLandmarksDetection.SupportedModels.MediaPipeFaceMesh);
}

// The four points on each iris's rim (the library lists the ring closed: first index again at
// the end). Only the 478-point model has them.
function irisIndices() {
  const contours = faceLandmarksDetection.util.getKeypointIndexByContour(faceLandmarksDetection.SupportedModels.MediaPipeFaceMesh);
  const ring = (indices) => [...new Set(indices)];
  return { left: ring(contours.leftIris), right: ring(contours.rightIris) };
}

// {landmarks: manifest, detector: manifest, artifacts: {landmarks, detector}, maxFaces, frameSize}
export async function load(payload) {
  const { landmarks, maxFaces } = payload;
  if (landmarks.pipeline?.family !== 'mediapipe-face-mesh' || landmarks.pipeline.stage !== 'landmarks') {
    throw new Error(`"${landmarks.id}" is not a MediaPipe face mesh model (its manifest has no pipeline this demo knows).`);
  }
  detector = await faceLandmarksDetection.createDetector(faceLandmarksDetection.SupportedModels.MediaPipeFaceMesh, {
    runtime: 'tfjs',
    maxFaces,
    // The attention mesh (478 points) refines lips, eyes and adds the irises; the plain one has 468.
    refineLandmarks: landmarks.pipeline.refine_landmarks,
    // In-memory IOHandlers: the library never fetches anything itself.
    detectorModelUrl: tf.io.fromMemory(payload.artifacts.detector),
    landmarkModelUrl: tf.io.fromMemory(payload.artifacts.landmarks),
  });
  model = { landmarks: landmarks.pipeline.landmarks, maxFaces };
  // Warm-up: the first estimate compiles kernels and allocates memory. A blank frame has no
  // face, so only the detector warms up here; the mesh model's first call comes with the first face.
  const { width, height } = payload.frameSize;
  const started = performance.now();
  await detector.estimateFaces(new ImageData(width, height), { staticImageMode: true });
  detector.reset();
  return { warmupMs: performance.now() - started, edges: meshEdges(), irises: irisIndices(), landmarks: model.landmarks };
}

// One frame -> {faces: [{box, keypoints: Float32Array [x, y, z, ...]}]}.
// `still`: a photo, not a video. Every pass then runs the detector (nothing to follow).
// `reset`: a new picture; forget the faces being followed.
export async function run(frame, { still = false, reset = false } = {}) {
  if (reset) detector.reset();
  const faces = await detector.estimateFaces(frame, { flipHorizontal: false, staticImageMode: still });
  return {
    faces: faces.map(({ box, keypoints }) => {
      // A flat typed array moves to the page without a copy (transfer.js); 478 objects would not.
      const points = new Float32Array(keypoints.length * 3);
      keypoints.forEach((k, i) => points.set([k.x, k.y, k.z ?? 0], i * 3));
      return { box: { xMin: box.xMin, yMin: box.yMin, width: box.width, height: box.height }, keypoints: points };
    }),
  };
}

export function dispose() {
  detector?.dispose();
  detector = null;
}
