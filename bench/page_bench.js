// Added to every demo page before its own scripts run (Playwright's add_init_script).
//
// The demos wake up on requestVideoFrameCallback, so wrapping it times each frame the demo
// handles from the moment the frame arrives until its work (capture, preprocessing,
// inference, drawing) is done, whatever the demo does inside. It also lets the harness
// hold the demo's loop while it times the bare model on the same page, so the two never
// share the CPU: window.__bench.pause() / release().
(() => {
  const bench = { hold: false, held: [], frames: [], inFlight: 0 };
  window.__bench = bench;
  const native = HTMLVideoElement.prototype.requestVideoFrameCallback;
  HTMLVideoElement.prototype.requestVideoFrameCallback = function requestVideoFrameCallback(callback) {
    const video = this;
    return native.call(video, (now, meta) => {
      if (bench.hold) {
        bench.held.push([video, callback]);
        return undefined;
      }
      const start = performance.now();
      bench.inFlight += 1;
      const done = () => {
        bench.inFlight -= 1;
        bench.frames.push({ start, end: performance.now(), presented: meta.presentedFrames });
      };
      let result;
      try {
        result = callback(now, meta);
      } catch (error) {
        done();
        throw error;
      }
      Promise.resolve(result).then(done, done);
      return result;
    });
  };
  // The next frame of a video, bypassing the hold (for the harness's own measurements).
  bench.nextFrame = (video) => new Promise((resolve) => native.call(video, () => resolve()));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  bench.pause = async () => {
    bench.hold = true;
    while (bench.inFlight > 0) await sleep(2);
  };
  bench.release = () => {
    bench.hold = false;
    for (const [video, callback] of bench.held.splice(0)) video.requestVideoFrameCallback(callback);
  };
  // Let the demo handle n more frames; returns their timings.
  bench.demoFrames = async (n) => {
    const first = bench.frames.length;
    bench.release();
    while (bench.frames.length < first + n) await sleep(10);
    return bench.frames.slice(first, first + n);
  };
  // Time n calls of bench[name] (an async function set up by the harness) with the demo held.
  bench.time = async (name, n) => {
    await bench.pause();
    const times = [];
    try {
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        await bench[name]();
        times.push(performance.now() - started);
      }
    } finally {
      bench.release();
    }
    return times;
  };
})();
