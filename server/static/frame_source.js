// Where a live demo's frames come from: the camera, or an image or video file the person
// chose or dropped. One for every live demo, so each behaves the same way: the camera list,
// the resolution, the messages for a denied, missing or unplugged camera (camera.js), the
// file fallback, and mirroring.
//
// The page needs:
//   <div id="stage"> with <video id="video"> and <img id="still"> (and the demo's overlay)
//   <input type="file" id="file"> inside <div id="dropzone">, <p id="notice">
//   optional: <select id="camera">, <select id="resolution">, <input type="checkbox" id="mirror">
import { CameraError, listCameras, mediaFromFile, onFileChosen, openCamera, sourceSize, stopCamera } from './camera.js';
import { clearError, showError } from './demo_state.js';
import { params } from './params.js';

const $ = (id) => document.getElementById(id);
export const RESOLUTIONS = ['320x240', '640x480', '1280x720'];

export class FrameSource {
  // onChange(source): a new picture to analyse (start the loop); onStop(): none any more.
  constructor({ onChange = () => {}, onStop = () => {}, onMirror = () => {} } = {}) {
    Object.assign(this, { onChange, onStop, onMirror });
    this.video = $('video');
    this.still = $('still');
    this.element = null; // the <video> or <img> being analysed
    this.kind = null; // 'camera', 'video' (a file) or 'image'
    this.paused = false;
    // The camera is mirrored, as people expect to see themselves (raise your right hand and
    // the hand on the right of the screen goes up); a file is not. ?mirror=0|1 or the
    // checkbox decide for good.
    this.mirrored = params.get('mirror') !== '0';
    this.mirrorChosen = params.has('mirror');
    this.resolution = RESOLUTIONS.includes(params.get('resolution')) ? params.get('resolution') : '640x480';
    this.bindControls();
  }

  bindControls() {
    onFileChosen($('file'), $('dropzone'), (file) => this.useFile(file));
    $('camera')?.addEventListener('change', () => this.useCameraOrSayWhy());
    if ($('resolution')) {
      $('resolution').value = this.resolution;
      $('resolution').addEventListener('change', () => {
        this.resolution = $('resolution').value;
        this.useCameraOrSayWhy();
      });
    }
    if ($('mirror')) {
      $('mirror').addEventListener('change', () => {
        this.mirrorChosen = true;
        this.setMirrored($('mirror').checked);
      });
    }
    $('stage')?.classList.toggle('mirrored', this.mirrored);
    if ($('mirror')) $('mirror').checked = this.mirrored;
  }

  // The first picture: the camera unless ?source=file; without one, say why and wait for a file.
  async start() {
    if (params.get('source') === 'file') {
      this.showNotice('Choose an image or a video file below.');
      return;
    }
    if (await this.useCameraOrSayWhy()) this.fillCameraChoices(await listCameras());
  }

  size() {
    return this.element ? sourceSize(this.element) : null;
  }

  // A playing video gets a frame loop; an image (or a paused video) is analysed as it is.
  get live() {
    return this.element === this.video && !this.paused;
  }

  async useCameraOrSayWhy() {
    try {
      await this.useCamera();
      return true;
    } catch (error) {
      if (!(error instanceof CameraError)) throw error;
      this.cameraGone(error);
      return false;
    }
  }

  async useCamera() {
    const [width, height] = this.resolution.split('x').map(Number);
    await openCamera(this.video, {
      deviceId: $('camera')?.value || undefined,
      width,
      height,
      onEnded: (error) => this.cameraGone(error),
    });
    this.showNotice('');
    clearError();
    this.show(this.video, 'camera');
  }

  // No camera, no permission, or it went away: say why, and offer a file instead.
  cameraGone(error) {
    this.showNotice(error.message);
    if (this.kind === 'camera') {
      this.kind = null;
      this.onStop();
    }
  }

  async useFile(file) {
    try {
      const media = await mediaFromFile(file);
      stopCamera(this.video);
      if (media instanceof HTMLImageElement) {
        this.still.src = media.src;
        await this.still.decode();
        this.show(this.still, 'image');
      } else {
        media.pause(); // mediaFromFile checked that it plays; the page's own <video> shows it
        this.video.src = media.src;
        await this.video.play();
        this.show(this.video, 'video');
      }
      this.showNotice('');
      clearError();
    } catch (error) {
      showError(error);
    }
  }

  show(element, kind) {
    this.video.hidden = element !== this.video;
    this.still.hidden = element !== this.still;
    Object.assign(this, { element, kind, paused: false });
    if (!this.mirrorChosen) this.setMirrored(kind === 'camera');
    this.onChange(this);
  }

  async setPaused(paused) {
    this.paused = paused;
    if (this.element === this.video) {
      if (paused) this.video.pause();
      else await this.video.play();
    }
  }

  // The video is mirrored by CSS (`.stage.mirrored video`); an overlay canvas is not, because
  // the demo mirrors the points it draws (draw.js viewTransform), so drawings stay aligned.
  setMirrored(mirrored) {
    this.mirrored = mirrored;
    if ($('mirror')) $('mirror').checked = mirrored;
    $('stage')?.classList.toggle('mirrored', mirrored);
    this.onMirror(mirrored);
  }

  fillCameraChoices(cameras) {
    const select = $('camera');
    if (!select) return;
    const current = select.value;
    select.replaceChildren(new Option('default', ''));
    cameras.forEach((camera, i) => select.append(new Option(camera.label || `camera ${i + 1}`, camera.deviceId)));
    select.value = current;
  }

  showNotice(message) {
    $('notice').textContent = message;
    $('notice').hidden = !message;
  }
}
