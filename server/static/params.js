// Demo settings from the URL (?backend=wasm&model=...), so a link reproduces a run exactly.
// (In a Web Worker `location` is the worker script's URL, which carries no settings: the page
// passes what the worker needs in its first message.)
export const params = new URLSearchParams(globalThis.location?.search ?? '');
