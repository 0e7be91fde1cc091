// The Real User Monitoring collector, imported by ../rum.js once the page has loaded: Google's
// web-vitals (attribution build, vendored from node_modules by build_static) measures LCP, INP,
// CLS, FCP and TTFB; this page view's latest figures are sent as one JSON document (rum/documents.py)
// with navigator.sendBeacon when the page is hidden. See docs/observability.md.
import * as webVitals from "../../vendor/web-vitals.attribution.js";

const { route, rumEndpoint: endpoint } = document.documentElement.dataset;
const limits = { LCP: webVitals.LCPThresholds, INP: webVitals.INPThresholds, CLS: webVitals.CLSThresholds,
  FCP: webVitals.FCPThresholds, TTFB: webVitals.TTFBThresholds };
const ms = (v) => Math.round(Math.max(0, v) * 10) / 10;
const str = (v, n) => (typeof v === "string" && v ? v.slice(0, n) : undefined);

function newView(nav) {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const view = { id, nav, metrics: {}, dirty: false };
  if (!nav) {
    const server = {};
    for (const { name, duration } of performance.getEntriesByType("navigation")[0]?.serverTiming ?? []) {
      if (["total", "db", "cache"].includes(name)) server[name] = ms(duration);
    }
    if (Object.keys(server).length) view.server = server;
  }
  return view;
}

function path(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol === "data:" ? "data:" : str(u.origin === location.origin ? u.pathname : u.origin + u.pathname, 300);
  } catch {
    return undefined;
  }
}

const ATTRIBUTION = {
  LCP: (a) => ({ target: str(a.target, 200), url: a.url && path(a.url), ttfb: ms(a.timeToFirstByte),
    loadDelay: ms(a.resourceLoadDelay), loadDuration: ms(a.resourceLoadDuration), renderDelay: ms(a.elementRenderDelay) }),
  INP: (a) => ({ target: str(a.interactionTarget, 200), type: a.interactionType, loadState: a.loadState,
    inputDelay: ms(a.inputDelay), processing: ms(a.processingDuration), presentation: ms(a.presentationDelay) }),
  CLS: (a) => ({ target: str(a.largestShiftTarget, 200), value: a.largestShiftValue,
    time: a.largestShiftTime === undefined ? undefined : ms(a.largestShiftTime), loadState: a.loadState }),
  FCP: (a) => ({ ttfb: ms(a.timeToFirstByte), delay: ms(a.firstByteToFCP), loadState: a.loadState }),
  TTFB: (a) => ({ waiting: ms(a.waitingDuration), cache: ms(a.cacheDuration), dns: ms(a.dnsDuration),
    connection: ms(a.connectionDuration), request: ms(a.requestDuration) }),
};

function start() {
  let view = newView();
  const coarse = matchMedia("(pointer: coarse)").matches;
  const device = navigator.userAgentData?.mobile || (coarse && Math.min(screen.width, screen.height) < 600)
    ? "phone" : coarse ? "tablet" : "desktop";
  const send = () => {
    if (!view.dirty) return;
    view.dirty = false;
    const ect = navigator.connection?.effectiveType;
    const body = JSON.stringify({ v: 1, id: view.id, route, nav: view.nav ?? "navigate", device,
      ect: ["slow-2g", "2g", "3g", "4g"].includes(ect) ? ect : "unknown", metrics: view.metrics, server: view.server });
    if (!navigator.sendBeacon?.(endpoint, body)) {
      fetch(endpoint, { method: "POST", body, keepalive: true, headers: { "Content-Type": "text/plain" } }).catch(() => {});
    }
  };
  const record = (metric) => {
    const { name } = metric;
    const value = name === "CLS" ? Math.round(metric.value * 1e4) / 1e4 : ms(metric.value);
    // Rated again for the rounded value: the server checks rating against value.
    const rating = value > limits[name][1] ? "poor" : value > limits[name][0] ? "needs-improvement" : "good";
    view.nav ??= metric.navigationType;
    view.metrics[name] = { value, rating, attribution: ATTRIBUTION[name](metric.attribution ?? {}) };
    view.dirty = true;
  };
  // Before web-vitals' own listeners, so a page restored from the bfcache is a new view from its first metric.
  addEventListener("pageshow", (event) => { if (event.persisted) view = newView("back-forward-cache"); }, true);
  // Every change is recorded (the last one is sent): INP entries still waiting for an idle moment
  // when the page is hidden would otherwise never be reported.
  for (const name of ["TTFB", "FCP", "LCP", "CLS", "INP"]) webVitals[`on${name}`](record, { reportAllChanges: true });
  // After web-vitals' listeners (window, capture), which report LCP, CLS and INP on hiding. Not
  // pagehide: leaving a page fires it before visibilitychange, so before CLS and INP are final.
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") send(); });
}

start();
