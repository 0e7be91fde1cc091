// Real User Monitoring (docs/observability.md): once the page has loaded and the browser
// is idle, the collector (components/rum-collector.js, with web-vitals) is imported; nothing of it
// is on the critical path. <html data-route data-rum-endpoint data-rum-sample> come from base.html.
const { route, rumEndpoint, rumSample } = document.documentElement.dataset;

if (route && rumEndpoint && Math.random() < Number(rumSample ?? 1)) {
  const load = () => (window.requestIdleCallback ?? setTimeout)(() => {
    import("./components/rum-collector.js").catch(() => {});
  }, { timeout: 2000 });
  if (document.readyState === "complete") load();
  else addEventListener("load", load, { once: true });
}
