// BlazePose's 3D answer, drawn on a small canvas you can turn with the mouse or a finger.
//
// Besides keypoints in the frame's pixels, BlazePose estimates each keypoint in metres, in a
// frame of reference centred between the hips, axes as the camera sees them (x to the right
// of the picture, y down, z away from the camera). From one camera that is a guess, learned
// from bodies seen in 3D; it is good enough to turn the skeleton and see its depth.
// No 3D library: an orthographic projection after two rotations is all a skeleton needs.
import { KEYPOINT_COLORS } from '/static/draw.js';

const METRES_ACROSS = 1.6; // the canvas shows a 1.6 m cube around the hips
const MIN_SCORE = 0.3;

export class WorldView {
  constructor(canvas) {
    this.canvas = canvas;
    this.yaw = 0.6; // radians around the vertical axis: start a little from the side
    this.pitch = -0.2;
    this.last = null;
    let dragging = null;
    canvas.addEventListener('pointerdown', (event) => {
      dragging = { x: event.clientX, y: event.clientY, yaw: this.yaw, pitch: this.pitch };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!dragging) return;
      this.yaw = dragging.yaw + (event.clientX - dragging.x) / 80;
      this.pitch = Math.max(-1.5, Math.min(1.5, dragging.pitch + (event.clientY - dragging.y) / 80));
      if (this.last) this.draw(...this.last);
    });
    canvas.addEventListener('pointerup', () => { dragging = null; });
  }

  // world: [{name, x, y, z, score}] in metres; skeleton: {pairs, sides}.
  draw(world, skeleton) {
    this.last = [world, skeleton];
    const { canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const size = canvas.clientWidth;
    if (canvas.width !== Math.round(size * ratio)) {
      canvas.width = Math.round(size * ratio);
      canvas.height = Math.round(size * ratio);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size, size);
    if (!world) return [];
    const scale = size / METRES_ACROSS;
    const [cy, sy, cp, sp] = [Math.cos(this.yaw), Math.sin(this.yaw), Math.cos(this.pitch), Math.sin(this.pitch)];
    const project = ({ x, y, z }) => {
      const x1 = cy * x + sy * z; // turn around the vertical axis...
      const z1 = -sy * x + cy * z;
      const y2 = cp * y - sp * z1; // ...then tilt
      return { x: size / 2 + x1 * scale, y: size / 2 + y2 * scale };
    };
    const points = world.map(project);
    const shown = world.map((k) => (k.score ?? 1) >= MIN_SCORE);
    ctx.strokeStyle = '#32ff7e';
    ctx.lineWidth = 2;
    for (const [a, b] of skeleton.pairs) {
      if (!shown[a] || !shown[b]) continue;
      ctx.beginPath();
      ctx.moveTo(points[a].x, points[a].y);
      ctx.lineTo(points[b].x, points[b].y);
      ctx.stroke();
    }
    points.forEach((p, i) => {
      if (!shown[i]) return;
      ctx.fillStyle = KEYPOINT_COLORS[skeleton.sides?.[i] ?? 'middle'];
      ctx.beginPath();
      ctx.arc(p.x, p.y, 3, 0, 2 * Math.PI);
      ctx.fill();
    });
    return points;
  }
}
