// Added to every page the benchmark opens, before the page's own scripts (add_init_script).
//
// It measures nothing inside the demo: the demo publishes its own figures on window.__demo
// (frames, timings, and frameLog, one record {arrived, done, latencyMs, ...} per frame drawn;
// server/static/frame_loop.js). What this adds is what a page cannot say about itself:
//   - main-thread long tasks (over 50 ms), from a PerformanceObserver started before the
//     page's first script, so every loop's window can be checked for them;
//   - when the demo first became ready (its `ready` flag, caught as it is set);
//   - holding the demo (its own Pause button) while another loop runs, and releasing it;
//   - `loop(name, seconds, minFrames)`: one loop of frames, ours or an official one
//     (official_pose.js, official_face.js, official_mobilenet.js), with the long tasks of its window;
//   - what the demo sends its worker with a frame (the frame's size, the run options), for the
//     bare model to run the same work (bare_setup.js).
(() => {
  const bench = { longTasks: [], loops: {} };
  window.__bench = bench;
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) bench.longTasks.push({ start: task.startTime, ms: task.duration });
  }).observe({ type: 'longtask', buffered: true });

  // The demo's last frame as it went to its worker: the bitmap's size and the run options
  // (plain data, a few fields). Only until the bare model starts: its frames are not the demo's.
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function postMessage(message, transfer) {
    if (message?.type === 'run' && message.payload?.frame && !bench.bare) {
      const { frame, options } = message.payload;
      bench.demoRun = { width: frame.width, height: frame.height, options };
    }
    return post.call(this, message, transfer);
  };

  // The moment the demo first says it is ready (navigation start = 0), caught as it is set
  // rather than when the harness next looks: the start-up figure.
  let demoHook;
  Object.defineProperty(window, '__demo', {
    configurable: true,
    get: () => demoHook,
    set(value) {
      demoHook = value;
      if (!value || typeof value !== 'object') return;
      let ready = value.ready;
      Object.defineProperty(value, 'ready', {
        configurable: true,
        enumerable: true,
        get: () => ready,
        set(now) {
          if (now && bench.readyAt === undefined) bench.readyAt = performance.now();
          ready = now;
        },
      });
    },
  });

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  bench.until = async (test, what, timeoutMs = 120_000) => {
    const deadline = performance.now() + timeoutMs;
    while (!test()) {
      if (window.__demo?.error) throw new Error(`the demo failed: ${window.__demo.error}`);
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(20); // the page's own thread polls: rarely, to take little from the loops measured
    }
  };

  // Long tasks that overlap [t0, t1] (performance.now() times).
  bench.longTasksIn = (t0, t1) => {
    const inside = bench.longTasks.filter((t) => t.start < t1 && t.start + t.ms > t0);
    return { count: inside.length, ms: inside.reduce((sum, t) => sum + t.ms, 0) };
  };

  // The demo's own Pause button: its loop stops (after the frames in flight come back) and the
  // video pauses; Resume plays the video and restarts the loop.
  bench.demoPaused = false;
  bench.pauseDemo = async (paused) => {
    if (bench.demoPaused === paused) return;
    const video = document.getElementById('video');
    const frames = window.__demo.frames;
    document.querySelector('[data-testid="pause"]').click();
    bench.demoPaused = paused;
    if (paused) await bench.until(() => video.paused, 'the demo to pause');
    else await bench.until(() => window.__demo.frames > frames, 'the demo to resume');
  };

  // Our demo as a loop: its frames are the records the demo logs as it draws them.
  bench.loops.ours = {
    async start() {
      this.since = performance.now();
      await bench.pauseDemo(false);
    },
    records() {
      return window.__demo.frameLog.filter((r) => r.done > this.since);
    },
    async stop() {
      await bench.pauseDemo(true);
    },
  };

  // The benchmark's own view of the camera, in a small box in the page's corner: the
  // official loops read it, and it plays while the bare model runs, so that every loop and the
  // bare model run while one 60 fps video plays on the page (the demo's, or this one).
  bench.camera = async () => {
    if (bench.cameraVideo) return bench.cameraVideo;
    const box = document.createElement('div');
    box.style.cssText = 'position:fixed;right:0;bottom:0;z-index:1000;display:flex;background:#000;color:#fff;font:12px sans-serif';
    const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true });
    video.style.cssText = 'width:160px;height:120px';
    box.append(video);
    document.body.append(box);
    video.srcObject = await navigator.mediaDevices.getUserMedia({
      audio: false, video: { width: { ideal: 640 }, height: { ideal: 480 } },
    });
    await video.play();
    // As live_video does: pose-detection sizes a video by its width and height attributes.
    video.width = video.videoWidth;
    video.height = video.videoHeight;
    video.pause();
    bench.cameraVideo = video;
    return video;
  };

  // The bare model (bare_setup.js) for n runs, with the camera video playing meanwhile.
  bench.bareRuns = async (n) => {
    const video = await bench.camera();
    await video.play();
    try {
      return await bench.bare(n);
    } finally {
      video.pause();
    }
  };

  // An official loop as their demos write it: `step(video)` estimates and draws one frame,
  // then the next requestAnimationFrame runs the next step. On the page's main thread, on
  // its own camera stream (the same fake camera, opened as their demos open it), in a small
  // box in the corner: the video, and the canvas or list `step` draws into.
  // A frame's latency is from its arrival (the requestVideoFrameCallback of the newest frame
  // when the step starts) to the end of drawing, as our demo counts it; a step that finds no
  // new frame is not a frame handled (its `frameId` repeats) and is not counted.
  bench.officialLoop = async (step, output) => {
    const video = await bench.camera();
    output.style.width = '160px';
    video.parentElement.append(output);
    let arrival = { at: performance.now(), id: 0 };
    const onFrame = (now, meta) => {
      arrival = { at: performance.now(), id: meta.presentedFrames };
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    const loop = {
      video,
      running: false,
      steps: [],
      current: null,
      async next() {
        const frame = arrival;
        await step(video);
        const done = performance.now();
        this.steps.push({ arrived: frame.at, done, latencyMs: done - frame.at, frameId: frame.id });
        if (this.running) {
          requestAnimationFrame(() => {
            if (this.running) this.current = this.next();
          });
        }
      },
      async start() {
        this.steps = [];
        await video.play();
        this.running = true;
        this.current = this.next();
      },
      records() {
        return this.steps.filter((s, i) => i === 0 || s.frameId !== this.steps[i - 1].frameId);
      },
      async stop() {
        this.running = false;
        await this.current;
        video.pause();
      },
    };
    await step(video); // warm-up: the first call compiles kernels and sizes memory
    video.pause();
    bench.loops.official = loop;
    return loop;
  };

  // Run one loop for at least `seconds` and `minFrames` frames past the first `skip` (the
  // pipeline filling up), then stop it. Returns its frames {arrived, done, latencyMs} and the
  // long tasks of the window between the first and the last frame measured.
  bench.loop = async (name, { seconds, minFrames, skip = 2 }) => {
    const loop = bench.loops[name];
    await loop.start();
    let first = null;
    await bench.until(() => {
      const records = loop.records();
      if (records.length <= skip) return false;
      first ??= records[skip].done;
      return records.length >= skip + minFrames && performance.now() - first >= seconds * 1000;
    }, `${minFrames} frames of ${name}`);
    await loop.stop();
    const frames = loop.records().slice(skip);
    return { frames, longTasks: bench.longTasksIn(frames[0].done, frames.at(-1).done) };
  };

  // Hold the demo for `frames` frames: tf.memory().numTensors where its model runs (the
  // worker), sampled every `every` frames, from its own window.__demo.memory().
  bench.memoryRun = async (frames, every) => {
    const demo = window.__demo;
    await bench.pauseDemo(false);
    const start = demo.frames;
    const started = performance.now();
    const samples = [];
    for (let at = every; at <= frames; at += every) {
      await bench.until(() => demo.frames - start >= at, `frame ${at} of ${frames}`, 600_000);
      samples.push({ frame: demo.frames - start, numTensors: (await demo.memory()).numTensors });
    }
    const seconds = (performance.now() - started) / 1000;
    await bench.pauseDemo(true);
    return { frames: demo.frames - start, seconds, samples };
  };
})();
