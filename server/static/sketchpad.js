// A drawing canvas for mouse, pen and finger, through one API: pointer events.
//
// `touch-action: none` (in demo.css) stops the browser from scrolling while a finger draws;
// setPointerCapture keeps the stroke going when the pointer leaves the canvas. The backing
// store is sized for devicePixelRatio so lines stay sharp; `canvas` is what to read pixels
// from, at that full resolution.
export class Sketchpad {
  constructor(canvas, { lineWidth = 0.06, ink = '#fff', paper = '#000', onChange = () => {} } = {}) {
    Object.assign(this, { canvas, lineWidth, ink, paper, onChange: () => {} });
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.paths = []; // every stroke as [[x, y], ...] in backing-store pixels
    this.resize();
    this.onChange = onChange;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const { width } = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(width * dpr); // square
    this.clear();
  }

  clear() {
    this.ctx.fillStyle = this.paper;
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.paths = [];
    this.last = null;
    this.onChange(this);
  }

  isEmpty() {
    return this.paths.length === 0;
  }

  // Pointer position in backing-store pixels.
  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    return [
      ((event.clientX - rect.left) / rect.width) * this.canvas.width,
      ((event.clientY - rect.top) / rect.height) * this.canvas.height,
    ];
  }

  down(event) {
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.paths.push([this.last]);
    this.segment(this.last, this.last);
  }

  move(event) {
    if (!this.last) return;
    // A fast pointer delivers several positions per frame; draw all of them.
    for (const e of event.getCoalescedEvents?.() ?? [event]) {
      const p = this.point(e);
      this.segment(this.last, p);
      this.paths.at(-1).push(p);
      this.last = p;
    }
    this.onChange(this);
  }

  up() {
    if (!this.last) return;
    this.last = null;
    this.onChange(this);
  }

  segment([x0, y0], [x1, y1]) {
    const { ctx } = this;
    ctx.strokeStyle = this.ink;
    ctx.lineWidth = this.lineWidth * this.canvas.width;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  }

  // The bounding box of the strokes' centre lines, in backing-store pixels, or null.
  pathBox() {
    const points = this.paths.flat();
    if (!points.length) return null;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const [x0, y0] = [Math.min(...xs), Math.min(...ys)];
    return { x: x0, y: y0, width: Math.max(...xs) - x0, height: Math.max(...ys) - y0 };
  }

  // The bounding box of the ink, in backing-store pixels, or null when blank.
  inkBox(threshold = 16) {
    const { width, height } = this.canvas;
    const { data } = this.ctx.getImageData(0, 0, width, height);
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (data[(y * width + x) * 4] > threshold) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }
}
