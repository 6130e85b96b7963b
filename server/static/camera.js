// The camera, and the file fallback when there is none.
//
// getUserMedia fails in a handful of distinct ways; each gets a message a person can act on.
// Demos show the message and offer an image or video file instead, never a frozen page.

const REASONS = {
  NotAllowedError: 'Camera permission was denied. Allow the camera in the address bar, or choose an image or video file below.',
  SecurityError: 'The browser blocked the camera on this page. Allow it, or choose a file below.',
  NotFoundError: 'No camera was found. Plug one in, or choose an image or video file below.',
  OverconstrainedError: 'The camera cannot deliver the requested resolution. Pick another one.',
  NotReadableError: 'The camera is busy in another application (or was unplugged). Close it there, or choose a file below.',
  AbortError: 'The camera stopped while starting. Try again, or choose a file below.',
};

export class CameraError extends Error {}

export function cameraErrorMessage(error) {
  return REASONS[error?.name] ?? `The camera could not start (${error?.name ?? 'unknown'}: ${error?.message ?? error}).`;
}

// Browsers only expose the camera to secure pages: https:// or http://localhost.
export function cameraAvailable() {
  return Boolean(navigator.mediaDevices?.getUserMedia);
}

export async function listCameras() {
  if (!cameraAvailable()) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === 'videoinput');
}

// Start a camera in `video`; resolves once the first frame's size is known.
// `onEnded` fires when the track ends (the camera is unplugged or revoked mid-stream).
export async function openCamera(video, { deviceId, width = 640, height = 480, onEnded } = {}) {
  if (!cameraAvailable()) {
    throw new CameraError('This page is not a secure context, so the browser hides the camera. '
      + 'Open it as http://localhost:… or over https://, or choose a file below.');
  }
  stopCamera(video);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: {
        deviceId: deviceId ? { exact: deviceId } : undefined,
        width: { ideal: width },
        height: { ideal: height },
      },
    });
  } catch (error) {
    throw new CameraError(cameraErrorMessage(error));
  }
  const [track] = stream.getVideoTracks();
  track.addEventListener('ended', () => onEnded?.(new CameraError(REASONS.NotReadableError)));
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await new Promise((resolve) => {
    if (video.readyState >= 2) resolve();
    else video.addEventListener('loadeddata', resolve, { once: true });
  });
  await video.play();
  return stream;
}

export function stopCamera(video) {
  const stream = video.srcObject;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  video.srcObject = null;
}

// An image or video file the user chose or dropped, ready for tf.browser.fromPixels.
export async function mediaFromFile(file) {
  const url = URL.createObjectURL(file);
  if (file.type.startsWith('image/')) {
    const img = new Image();
    img.src = url;
    try {
      await img.decode();
    } catch {
      throw new CameraError(`"${file.name}" is not an image this browser can read.`);
    }
    return img;
  }
  if (file.type.startsWith('video/')) {
    const video = document.createElement('video');
    Object.assign(video, { src: url, loop: true, muted: true, playsInline: true });
    await new Promise((resolve, reject) => {
      video.addEventListener('loadeddata', resolve, { once: true });
      video.addEventListener('error', () => reject(new CameraError(`"${file.name}" is not a video this browser can play.`)), { once: true });
    });
    await video.play();
    return video;
  }
  throw new CameraError(`"${file.name}" is neither an image nor a video.`);
}

// Let a file be chosen with an <input type=file> or dropped onto `zone`.
export function onFileChosen(input, zone, handler) {
  input.addEventListener('change', () => input.files[0] && handler(input.files[0]));
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const file = event.dataTransfer.files[0];
    if (file) handler(file);
  });
}

// The pixel size of what a frame source shows (video, image or canvas).
export function sourceSize(source) {
  return {
    width: source.videoWidth || source.naturalWidth || source.width,
    height: source.videoHeight || source.naturalHeight || source.height,
  };
}
