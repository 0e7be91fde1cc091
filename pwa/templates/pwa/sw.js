// RailConnect India service worker (served by pwa.views.service_worker at /sw.js, scope /).
// Version: the static build's manifest plus this file's source; a new one means a new worker.
const VERSION = "{{ version }}";
const STATIC_CACHE = "rc-static-v" + VERSION;
// Pages are kept per language (rc-pages-v<version>-<code>), and each language has its own offline
// page: a passenger never gets another language's page from here (docs/i18n.md). LANGUAGES: the
// default (unprefixed) language first, each with its URL prefix, home, start URL (the installed
// app's, issue 14) and offline page. Only the languages in use are precached (languagesInUse).
const LANGUAGES = {{ languages|safe }};
const pagesCache = (language) => "rc-pages-v" + VERSION + "-" + language.code;
const DATA_CACHE = "rc-data-v" + VERSION;
// Personal entries (e-tickets) live apart, unversioned (a deploy keeps them), in a cache named
// after their owner's tag (X-RC-Owner, pwa/owner.py): rc-personal-<tag>. OWNER_CACHE holds one
// record, the owner last seen online and when their session ends. A response naming another owner
// deletes every other owner's entries first; logout and the session's end delete them all.
const PERSONAL_PREFIX = "rc-personal-";
const OWNER_CACHE = "rc-owner";
const CURRENT = [STATIC_CACHE, DATA_CACHE, OWNER_CACHE, ...LANGUAGES.map(pagesCache)];
const PRECACHE_STATIC = {{ precache_static|safe }};
const OWNER_URL = {{ owner_url|safe }};
const STATIC_PREFIX = {{ static_prefix|safe }};
const NETWORK_TIMEOUT_MS = 3000;
const HASHED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;
// Tested on the path without its language prefix (unprefixed() below).
const TICKET = /^\/bookings\/[A-Za-z0-9]+$/;
const NEVER = /^\/(admin|payments|accounts|rum|metrics|sw\.js)(\/|$)/;

function languageOf(pathname) {
  return LANGUAGES.find((language) => language.prefix && (pathname === language.prefix || pathname.startsWith(language.prefix + "/"))) || LANGUAGES[0];
}

function unprefixed(pathname) {
  const { prefix } = languageOf(pathname);
  return prefix ? pathname.slice(prefix.length) || "/" : pathname;
}

// A language's home, start URL and offline page, fetched into its page cache.
async function precachePages(language) {
  const pages = await caches.open(pagesCache(language));
  await pages.addAll([language.home, language.start, language.offline].map((url) => new Request(url, { cache: "reload" })));
}

// The languages of the windows open now (the page that registers the worker is one of them), or
// the default one. A passenger reads one language: precaching every language's pages cost the
// install three requests per language on a phone's first visit (docs/i18n.md).
async function languagesInUse() {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const codes = new Set(windows.map((client) => languageOf(new URL(client.url).pathname).code));
  const open = LANGUAGES.filter((language) => codes.has(language.code));
  return open.length ? open : [LANGUAGES[0]];
}

// A language first visited after the install gets its pages kept from its first page on, so its
// own offline page is there when the network goes.
async function keepLanguagePages(language) {
  const pages = await caches.open(pagesCache(language));
  if (!(await pages.match(language.offline))) await precachePages(language);
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    for (const language of await languagesInUse()) await precachePages(language);
    const statics = await caches.open(STATIC_CACHE);
    await statics.addAll(PRECACHE_STATIC);
  })());
  // The first worker activates at once; an update waits for the page's "reload" prompt.
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("rc-") && !CURRENT.includes(name) && !name.startsWith(PERSONAL_PREFIX)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "skipWaiting") self.skipWaiting();
  if (type === "logout") event.waitUntil(forgetPersonal());
  if (type === "personal") event.waitUntil(personalCache().then((name) => event.ports[0].postMessage(name)));
});

async function forgetPersonal(except) {
  for (const name of await caches.keys()) {
    if ((name.startsWith(PERSONAL_PREFIX) || name === OWNER_CACHE) && name !== except) await caches.delete(name);
  }
}

// The name of the personal cache of the owner last seen online, while their session lasts; past
// its end (seen or not) everything personal goes.
async function personalCache() {
  const hit = await (await caches.open(OWNER_CACHE)).match(OWNER_URL);
  const owner = hit && (await hit.json());
  if (owner && owner.until > Date.now()) return PERSONAL_PREFIX + owner.tag;
  await forgetPersonal();
  return null;
}

// Records the owner a response names, deleting every other owner's entries first; the tag, or
// null when the response names none (a public page, a redirect).
async function own(response) {
  const tag = response.headers.get("X-RC-Owner");
  if (!tag) return null;
  await forgetPersonal(PERSONAL_PREFIX + tag);
  const until = Date.now() + 1000 * Number(response.headers.get("X-RC-Owner-Max-Age"));
  await (await caches.open(OWNER_CACHE)).put(OWNER_URL, new Response(JSON.stringify({ tag, until })));
  return tag;
}

// After a page naming no owner, asks the server, but only when something personal is kept.
async function learnOwner(response) {
  const tag = await own(response);
  if (tag || !(await caches.keys()).some((name) => name.startsWith(PERSONAL_PREFIX))) return tag;
  try {
    return await own(await fetch(OWNER_URL, { cache: "no-store" }));
  } catch {
    return null; // offline again: personalCache() still stops at the session's end
  }
}

// One owner change at a time, in the order responses arrive (a failed one does not stop the next).
let settled = Promise.resolve();
const serially = (task) => (settled = settled.then(task).catch(() => undefined));

function storable(response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") return false;
  const control = response.headers.get("Cache-Control") || "";
  return !/no-store/i.test(control);
}

function isPrivate(response) {
  return /private/i.test(response.headers.get("Cache-Control") || "");
}

async function keep(cacheName, request, response) {
  const headers = new Headers(response.headers);
  headers.set("X-RC-Fetched-At", new Date().toISOString());
  const copy = new Response(await response.clone().blob(), { status: response.status, statusText: response.statusText, headers });
  const cache = await caches.open(cacheName);
  await cache.put(request.url, copy);
}

async function cached(request, cacheNames) {
  for (const name of cacheNames) {
    const cache = await caches.open(name);
    const hit = await cache.match(request.url, { ignoreVary: true });
    if (hit) return hit;
  }
  return undefined;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}

async function page(event, url) {
  const request = event.request;
  const ticket = TICKET.test(unprefixed(url.pathname));
  const language = languageOf(url.pathname);
  const network = fetch(request).then((response) => {
    const copy = response.clone(); // the page consumes the original before the owner is settled
    event.waitUntil(serially(async () => {
      const tag = await learnOwner(copy);
      if (!storable(copy)) return;
      if (ticket && isPrivate(copy) && tag) await keep(PERSONAL_PREFIX + tag, request, copy);
      else if (!isPrivate(copy)) await keep(pagesCache(language), request, copy);
    }));
    if (response.ok) event.waitUntil(keepLanguagePages(language).catch(() => undefined));
    return response;
  });
  try {
    return await withTimeout(network, NETWORK_TIMEOUT_MS);
  } catch {
    await settled; // an owner change still being applied comes first
    const names = ticket ? [await personalCache()].filter(Boolean) : [pagesCache(language)];
    const hit = await cached(request, names);
    if (hit) return hit;
    try {
      return await network; // slow but not failed: keep waiting
    } catch {
      return (await cached(new Request(language.offline), [pagesCache(language)])) || Response.error();
    }
  }
}

async function cacheFirst(request) {
  const hit = await cached(request, [STATIC_CACHE]);
  if (hit) return hit;
  const response = await fetch(request);
  if (storable(response)) (await caches.open(STATIC_CACHE)).put(request.url, response.clone());
  return response;
}

async function staleWhileRevalidate(event) {
  const request = event.request;
  const cache = await caches.open(DATA_CACHE);
  const hit = await cache.match(request.url, { ignoreVary: true });
  const network = fetch(request).then(async (response) => {
    if (storable(response) && !isPrivate(response)) await cache.put(request.url, response.clone());
    return response;
  });
  if (hit) {
    event.waitUntil(network.catch(() => undefined));
    return hit;
  }
  return network;
}

async function logout(event) {
  await forgetPersonal();
  try {
    return await fetch(event.request);
  } finally {
    await forgetPersonal(); // anything stored while the logout was on its way
  }
}

if (self.caches) {
  self.addEventListener("fetch", (event) => {
    const request = event.request;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    const path = unprefixed(url.pathname);
    if (request.method === "POST" && path === "/accounts/logout/") {
      event.respondWith(logout(event));
      return;
    }
    if (request.method !== "GET" || NEVER.test(path)) return; // network only, never cached
    if (url.pathname.startsWith(STATIC_PREFIX)) {
      if (HASHED.test(url.pathname)) event.respondWith(cacheFirst(request));
      return;
    }
    if (url.pathname === "/api/stations") {
      event.respondWith(staleWhileRevalidate(event));
      return;
    }
    if (request.mode === "navigate") event.respondWith(page(event, url));
  });
}
