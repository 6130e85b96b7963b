// Register the service worker that keeps the gallery working offline (see /sw.js).
// Browsers allow service workers only on secure pages: https:// or localhost.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch((error) => {
    console.warn(`Offline support is unavailable: ${error.message}`);
  });
}
