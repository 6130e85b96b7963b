// The project you are teaching: classes, examples and the trained head, kept in this
// browser's IndexedDB so that closing the tab loses nothing. Nothing here leaves the browser
// unless you export it.
//
//   meta      one record: {classes: [{id, name}], nextId, head: {artifacts, classIds} | null}
//   examples  one record per example: {id, classId, image (a 224×224 JPEG Blob), embedding}
//
// The embedding (1280 float32 numbers, 5 kB) is kept next to the picture (about 10 kB), so a
// reload trains again at once without running the base model over every example. The
// picture is what an export of the examples holds, and what lets a new base model
// recompute the embeddings.
//
// Writes can fail: the browser gives each site a quota, and private windows give little.
// A failed write never touches the session: the example stays on the page, and the page says
// what was not saved (`onSaveError`).
import { unzipSync, zipSync } from '/vendor/fflate/browser.js';

const DB_NAME = 'teach-classifier';
const DB_VERSION = 1;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open() {
  const req = indexedDB.open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => {
    req.result.createObjectStore('meta');
    req.result.createObjectStore('examples', { keyPath: 'id' });
  };
  return request(req);
}

// One transaction; resolves when it is committed (or rejects with the browser's error,
// QuotaExceededError when storage is full).
async function write(db, stores, work) {
  const tx = db.transaction(stores, 'readwrite');
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('The browser aborted the write.'));
  });
  work(tx);
  return done;
}

export class ProjectStore {
  static async open() {
    const store = new ProjectStore();
    store.db = await open();
    return store;
  }

  // {meta, examples}: the project as saved, or an empty one.
  async load() {
    const tx = this.db.transaction(['meta', 'examples'], 'readonly');
    const [meta, examples] = await Promise.all([
      request(tx.objectStore('meta').get('project')),
      request(tx.objectStore('examples').getAll()),
    ]);
    return { meta: meta ?? null, examples: examples.sort((a, b) => a.id - b.id) };
  }

  saveMeta(meta) {
    return write(this.db, ['meta'], (tx) => tx.objectStore('meta').put(meta, 'project'));
  }

  saveExample(example) {
    return write(this.db, ['examples'], (tx) => tx.objectStore('examples').put(example));
  }

  deleteExamples(ids) {
    return write(this.db, ['examples'], (tx) => ids.forEach((id) => tx.objectStore('examples').delete(id)));
  }

  clear() {
    return write(this.db, ['meta', 'examples'], (tx) => {
      tx.objectStore('meta').clear();
      tx.objectStore('examples').clear();
    });
  }
}

// Why a write failed, in words for the page.
export function describeSaveError(error) {
  if (error?.name === 'QuotaExceededError') {
    return 'This browser\'s storage for the site is full: the last changes are NOT saved and will be '
      + 'lost when the tab closes. They are all still here for this session: export the examples '
      + 'or the model to keep them, or free some space (the gallery page can clear cached models).';
  }
  return `Could not save the project in this browser (${error?.message ?? error}): it is kept for this session only.`;
}

// A folder per class, one JPEG per example: "cat/001.jpg". Pictures are stored as they are
// (JPEG is compressed already; deflating it again would gain nothing and cost time).
export async function examplesZip(classes, examples) {
  const files = {};
  for (const cls of classes) {
    const folder = safeName(cls.name);
    const mine = examples.filter((e) => e.classId === cls.id);
    for (const [i, example] of mine.entries()) {
      files[`${folder}/${String(i + 1).padStart(3, '0')}.jpg`] = [new Uint8Array(await example.image.arrayBuffer()), { level: 0 }];
    }
  }
  return new Blob([zipSync(files)], { type: 'application/zip' });
}

const IMAGE_TYPES = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', bmp: 'image/bmp' };
export const MAX_ZIP_BYTES = 200e6;

// A zip of examples -> [{className, file: Blob}], in the zip's order. Anything that is not
// "<class>/<picture>" is skipped and counted in `skipped`.
export async function readExamplesZip(file) {
  if (file.size > MAX_ZIP_BYTES) throw new Error(`${file.name} is ${(file.size / 1e6).toFixed(0)} MB; the limit is ${MAX_ZIP_BYTES / 1e6} MB.`);
  let entries;
  try {
    entries = unzipSync(new Uint8Array(await file.arrayBuffer()));
  } catch (error) {
    throw new Error(`${file.name} is not a zip file this page can read (${error.message}).`, { cause: error });
  }
  const found = [];
  let skipped = 0;
  for (const [path, bytes] of Object.entries(entries)) {
    const parts = path.split('/').filter(Boolean);
    const type = IMAGE_TYPES[parts.at(-1)?.split('.').pop()?.toLowerCase()];
    if (parts.length < 2 || !type || path.endsWith('/')) {
      if (!path.endsWith('/')) skipped += 1;
      continue;
    }
    found.push({ className: parts.at(-2), file: new Blob([bytes], { type }), name: path });
  }
  return { found, skipped };
}

// A class name as a file or folder name: no slashes, no dots at the start.
export function safeName(name) {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^\.+/, '_').trim() || 'class';
}
