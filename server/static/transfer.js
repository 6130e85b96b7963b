// What postMessage can move to another thread instead of copying: the buffers behind typed
// arrays and model weights, and image bitmaps. Moving ("transferring") a 5 MB weight buffer
// costs nothing; copying it costs milliseconds and doubles the memory for a moment. (Memory
// shared with a wasm heap, a SharedArrayBuffer, cannot move and is left out.)

export function transferables(value, found = new Set()) {
  if (value instanceof ArrayBuffer) found.add(value);
  else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  else if (typeof ImageBitmap !== 'undefined' && value instanceof ImageBitmap) found.add(value);
  else if (Array.isArray(value)) value.forEach((v) => transferables(v, found));
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    Object.values(value).forEach((v) => transferables(v, found));
  }
  return [...found];
}
