// Demo settings from the URL (?backend=wasm&model=...), so a link reproduces a run exactly.
export const params = new URLSearchParams(window.location.search);
