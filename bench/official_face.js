// The official loop for the face mesh models, on the demo's own page: the loop of
// face-landmarks-detection's own `live_video` demo on the page's main thread (page_bench.js
// officialLoop): estimateFaces on the video, then the video frame drawn onto a canvas with
// each face's box, its mesh and (478-point model) its irises over it, then the next
// requestAnimationFrame. Same library build the demo loads (/vendor/face-landmarks-detection/),
// same backend (set up on the page by /static/backend.js), the same two model files as
// in-memory IOHandlers (read from the browser's cache as the demo reads them), and the
// detector configured as demos/face_mesh/faces.js configures it, with the demo's maxFaces.
async ({ id, backend }) => {
  const { loadScript, setupBackend } = await import('/static/backend.js');
  const { fetchArtifacts, fetchManifest } = await import('/static/models.js');
  const { initialSettings } = await import('/demos/face_mesh/ui.js');
  if (!window.faceLandmarksDetection) await loadScript('/vendor/face-landmarks-detection/face-landmarks-detection.min.js');
  const chosen = await setupBackend(backend);
  const manifest = await fetchManifest(id);
  const inMemory = async (m) => tf.io.fromMemory((await fetchArtifacts(m)).artifacts);
  const { MediaPipeFaceMesh } = faceLandmarksDetection.SupportedModels;
  const { maxFaces } = initialSettings();
  const detector = await faceLandmarksDetection.createDetector(MediaPipeFaceMesh, {
    runtime: 'tfjs',
    maxFaces,
    refineLandmarks: manifest.pipeline.refine_landmarks,
    detectorModelUrl: await inMemory(await fetchManifest(manifest.pipeline.detector)),
    landmarkModelUrl: await inMemory(manifest),
  });
  const edges = faceLandmarksDetection.util.getAdjacentPairs(MediaPipeFaceMesh);
  const contours = faceLandmarksDetection.util.getKeypointIndexByContour(MediaPipeFaceMesh);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');

  function iris(keypoints, indices) {
    const ring = indices.map((i) => keypoints[i]);
    const cx = ring.reduce((s, k) => s + k.x, 0) / ring.length;
    const cy = ring.reduce((s, k) => s + k.y, 0) / ring.length;
    const r = ring.reduce((s, k) => s + Math.hypot(k.x - cx, k.y - cy), 0) / ring.length;
    ctx.beginPath();
    ctx.arc(cx, cy, Math.max(r, 1.5), 0, 2 * Math.PI);
    ctx.stroke();
  }

  async function step(video) {
    const faces = await detector.estimateFaces(video, { flipHorizontal: false });
    if (canvas.width !== video.videoWidth) Object.assign(canvas, { width: video.videoWidth, height: video.videoHeight });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    for (const { box, keypoints } of faces) {
      ctx.strokeStyle = 'red';
      ctx.lineWidth = 1;
      ctx.strokeRect(box.xMin, box.yMin, box.width, box.height);
      ctx.strokeStyle = '#32ff7e';
      ctx.lineWidth = 0.5;
      ctx.beginPath();
      for (const [a, b] of edges) {
        ctx.moveTo(keypoints[a].x, keypoints[a].y);
        ctx.lineTo(keypoints[b].x, keypoints[b].y);
      }
      ctx.stroke();
      if (keypoints.length > 468) {
        ctx.strokeStyle = '#ffd166';
        iris(keypoints, contours.leftIris);
        iris(keypoints, contours.rightIris);
      }
    }
  }
  await window.__bench.officialLoop(step, canvas);
  return { backend: chosen.backend, library: '@tensorflow-models/face-landmarks-detection', maxFaces };
}
