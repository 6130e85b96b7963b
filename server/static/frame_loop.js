// The frame loop every live demo shares: capture a frame, hand it to the model (inference.js),
// draw the answer, and keep going for as long as the video plays.
//
//   capture   the browser cuts and scales the part of the frame the model needs into an
//             ImageBitmap (createImageBitmap does it off the page's thread), so a 224 × 224
//             classifier receives 224 × 224 pixels, not the whole 640 × 480 frame
//   infer     in the worker: the bitmap moves there without a copy; plain results come back
//   draw      on the page, over the video, at the size it is displayed
//
// With the worker, these overlap: while the worker infers frame N, the page captures frame
// N + 1 and queues it, so the worker starts on it the moment N is done instead of waiting for
// the page. `depth` bounds how many frames are in flight (2 in a worker; 1 on the page, where
// nothing can overlap): more would only add latency, never throughput.
//
// New frames are announced by requestVideoFrameCallback, so no frame is analysed twice and
// none is waited for on a timer. A still image (or a paused video) is analysed `stillPasses`
// times and then left alone.
import { demo } from './demo_state.js';

const FRAME_LOG = 1000; // frames kept in window.__demo.frameLog (a few seconds' worth)

export class FrameLoop {
  // source: a FrameSource; capture(size) -> {sx, sy, sw, sh, width, height}, the part of the
  // frame to send and the size to scale it to; infer(bitmap, frame) -> answer;
  // draw(answer, frame) (frame: {arrived, crop, width, height, still}); stats: a Stats;
  // onError(error).
  constructor({ source, capture, infer, draw, stats, depth = 1, stillPasses = 1, onError }) {
    Object.assign(this, { source, capture, infer, draw, stats, depth, stillPasses, onError });
    this.generation = 0; // bumped to stop: frames of an older generation are not drawn
    this.inFlight = new Set();
    this.active = false;
    this.everStarted = false;
  }

  // (Re)start on the source's current picture.
  start() {
    this.active = true;
    this.everStarted = true;
    const generation = ++this.generation;
    const element = this.source.element;
    if (!element) return;
    if (this.source.live) {
      const onVideoFrame = () => {
        if (generation !== this.generation) return;
        if (this.inFlight.size < this.depth) this.submit(element, generation);
        element.requestVideoFrameCallback(onVideoFrame);
      };
      element.requestVideoFrameCallback(onVideoFrame);
      this.submit(element, generation); // the frame on screen now, without waiting for the next
    } else {
      this.still(element, generation);
    }
  }

  // The pause button: the video stops, and with it the loop; resuming starts both again
  // (unless no model has been loaded yet: then the model's first start() does it).
  async setPaused(paused) {
    const resume = !paused && this.everStarted;
    await this.stop();
    await this.source.setPaused(paused);
    this.stats.reset(); // the pause is not a slow frame
    if (resume) this.start();
  }

  // A new picture: start again on it, unless the loop is stopped (a model is loading, say).
  restart() {
    if (this.active) this.start();
  }

  // Stop, and resolve once the frames in flight have come back (a model may then be disposed).
  async stop() {
    this.active = false;
    this.generation += 1;
    await Promise.allSettled([...this.inFlight]);
  }

  async still(element, generation) {
    for (let pass = 0; pass < this.stillPasses && generation === this.generation; pass++) {
      await this.submit(element, generation);
    }
  }

  submit(element, generation) {
    const job = this.process(element, generation);
    this.inFlight.add(job);
    job.finally(() => this.inFlight.delete(job));
    return job;
  }

  async process(element, generation) {
    const arrived = performance.now();
    const width = element.videoWidth || element.naturalWidth;
    const height = element.videoHeight || element.naturalHeight;
    const crop = this.capture({ width, height });
    // still: a picture that will not change (an image, a paused video): text panels that are
    // redrawn only a few times a second should be redrawn for it at once.
    const frame = { arrived, crop, width, height, still: !this.source.live };
    try {
      const bitmap = await createImageBitmap(element, crop.sx, crop.sy, crop.sw, crop.sh, {
        resizeWidth: crop.width,
        resizeHeight: crop.height,
        resizeQuality: 'medium', // smooths when it shrinks, as the models' training pipelines did
      });
      frame.captureMs = performance.now() - arrived;
      const answer = await this.infer(bitmap, frame);
      if (generation !== this.generation) return; // stopped meanwhile: a newer picture or model
      const drawStart = performance.now();
      this.draw(answer, frame);
      const done = performance.now();
      frame.drawMs = done - drawStart;
      this.stats.frameDone({ latencyMs: done - arrived, inferMs: answer.inferMs, tensors: answer.tensors });
      demo.lastFrame = {
        arrived, done, captureMs: frame.captureMs, inferMs: answer.inferMs, drawMs: frame.drawMs, latencyMs: done - arrived,
      };
      // The last FRAME_LOG frames' figures, for the benchmark (bench/page_bench.js), which
      // reads every frame's latency and when it was drawn from here.
      demo.frameLog.push(demo.lastFrame);
      if (demo.frameLog.length > FRAME_LOG) demo.frameLog.shift();
    } catch (error) {
      // A frame in flight when the model or the backend went away may fail; that loop is over.
      if (generation === this.generation) {
        this.stop();
        this.onError(error);
      }
    }
  }
}

// The whole frame, its longer side scaled to at most `longSide` pixels (never enlarged).
export function scaledFrame({ width, height }, longSide) {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { sx: 0, sy: 0, sw: width, sh: height, width: Math.round(width * scale), height: Math.round(height * scale) };
}
