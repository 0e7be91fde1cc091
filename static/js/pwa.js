// Registers the service worker (/sw.js) on every page, offers "new version available - reload"
// when an update is waiting, and tells the worker to forget personal caches at logout. Without
// service workers (or the Cache API) nothing happens: the site simply works online.

const sw = navigator.serviceWorker;
if (sw && window.caches) {
  let accepted = false;
  const prompt = (worker) => {
    if (document.getElementById("sw-update")) return;
    const bar = document.createElement("div");
    bar.id = "sw-update";
    bar.setAttribute("role", "status");
    bar.style.cssText = "position:fixed;inset:auto 1rem 1rem auto;background:#0b4f8a;color:#fff;padding:.5rem 1rem;border-radius:.5rem;z-index:9";
    // The words come from the page, in its language (templates/base.html).
    bar.textContent = document.body.dataset.swUpdate + " - ";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = document.body.dataset.swReload;
    button.addEventListener("click", () => { accepted = true; worker.postMessage({ type: "skipWaiting" }); });
    bar.append(button);
    document.body.append(bar);
  };
  sw.addEventListener("controllerchange", () => {
    if (accepted) { accepted = false; location.reload(); }
  });
  // After the load event: the worker's precaching must not compete with the page's own requests.
  const register = () => sw.register("/sw.js", { scope: "/" }).then((registration) => {
    if (!registration) return; // registration blocked (e.g. by the browser's policy)
    if (registration.waiting && sw.controller) prompt(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed" && sw.controller) prompt(worker);
      });
    });
  }, () => {});
  if (document.readyState === "complete") register();
  else addEventListener("load", register, { once: true });
  document.addEventListener("submit", (event) => {
    // /accounts/logout/ in any language (/hi/accounts/logout/...).
    if (/^(\/[a-z]{2}(-[a-z]{2})?)?\/accounts\/logout\/$/.test(new URL(event.target.action, location.href).pathname)) {
      sw.controller?.postMessage({ type: "logout" });
    }
  });
}
