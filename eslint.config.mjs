// eslint for the browser code and the Node runner (`make lint`). The recommended rules only:
// they catch real mistakes (undefined names, unused variables, unreachable code) and leave
// style to the code's authors.
import js from '@eslint/js';
import globals from 'globals';

// Globals the pages get from plain <script> tags (server/vendor.py), not from imports.
const vendorScripts = { tf: 'readonly', poseDetection: 'readonly', faceLandmarksDetection: 'readonly', knnClassifier: 'readonly' };

export default [
  js.configs.recommended,
  {
    // The demos and the shared modules are ES modules loaded by the page.
    files: ['server/static/**/*.js', 'demos/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser, ...vendorScripts } },
  },
  {
    // Code that also runs in the inference worker (a classic worker: importScripts exists there).
    files: ['server/static/inference_worker.js', 'server/static/backend.js'],
    languageOptions: { globals: { ...globals.worker, ...globals.browser, ...vendorScripts } },
  },
  {
    // The benchmark's page scripts: Playwright evaluates them as plain scripts (page_bench.js
    // is an init script; the others are function expressions passed to page.evaluate).
    files: ['bench/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, ...vendorScripts, mobilenet: 'readonly' } },
  },
  {
    // The bare model's task for the inference worker, an ES module like the demos' own.
    files: ['bench/bare_task.js'],
    languageOptions: { sourceType: 'module' },
  },
  {
    // converters/tfjs_runner.mjs runs TF.js in Node for the parity checks.
    files: ['converters/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  {
    // server/templates/sw.js is a Jinja template, not JavaScript until rendered.
    ignores: ['node_modules/', 'server/templates/', '.venv/', 'tests/artifacts/', 'models/', '.cache/'],
  },
];
