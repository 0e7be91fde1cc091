// The offline page: lists what this device has kept (the service worker's caches): the upcoming
// e-tickets with their last known status and when they were fetched, and the public pages.
// Tickets come from the cache the worker names: the signed-in owner's, while their session lasts.

import { fill, istTime as fmt } from "./components/ist-time.js";

// Words come from the page (pwa/templates/pwa/offline.html); times in IST, 24-hour, Latin digits,
// whatever the phone's own settings (components/ist-time.js, docs/i18n.md).
const page = document.querySelector("[data-offline-page]").dataset;

function item(href, text, note) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  li.append(a);
  if (note) li.append(document.createElement("br"), Object.assign(document.createElement("small"), { textContent: note }));
  return li;
}

function personalCache() {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    worker.postMessage({ type: "personal" }, [channel.port2]);
  });
}

async function tickets() {
  const name = await personalCache();
  if (!name || !(await caches.has(name))) return [];
  const cache = await caches.open(name);
  const found = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const ticket = html.querySelector("[data-offline-ticket]")?.dataset;
    if (!ticket || new Date(ticket.arrives) < new Date()) continue; // only journeys still ahead
    found.push({ url: request.url, ...ticket, fetched: response.headers.get("X-RC-Fetched-At") });
  }
  return found.sort((a, b) => new Date(a.departs) - new Date(b.departs));
}

async function pages() {
  // This page's language only: rc-pages-v<version>-<code> (pwa/templates/pwa/sw.js).
  const names = (await caches.keys()).filter((name) => name.startsWith("rc-pages-v") && name.endsWith("-" + page.language));
  const urls = new Set();
  for (const name of names) for (const request of await (await caches.open(name)).keys()) urls.add(request.url);
  return [...urls].filter((url) => new URL(url).pathname !== page.offlineUrl);
}

if (window.caches) {
  const ticketList = document.querySelector('[data-offline-list="tickets"]');
  ticketList.setAttribute("aria-busy", "true");
  tickets().then((found) => {
    if (found.length) document.querySelector('[data-offline-empty="tickets"]').hidden = true;
    for (const t of found) {
      ticketList.append(item(t.url, `PNR ${t.pnr}: ${t.journey}, ${fmt(t.departs)}`,
        fill(page.statusText, { status: t.status, time: t.fetched ? fmt(t.fetched) : page.unknownText })));
    }
  }).finally(() => ticketList.setAttribute("aria-busy", "false"));
  const pageList = document.querySelector('[data-offline-list="pages"]');
  pages().then((urls) => {
    // Nothing kept yet (a first visit, or storage cleared): keep the server's link home.
    if (urls.length) pageList.replaceChildren(...urls.map((url) => item(url, new URL(url).pathname === page.homeUrl ? page.homeText : new URL(url).pathname)));
  });
}
