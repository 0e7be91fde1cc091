// Lazy HTML fragments: an element marked data-lazy-fragment="URL" holds a skeleton of the exact
// size of what will replace it; when it comes near the viewport its content is replaced by the
// HTML fetched from URL (same origin only). Without JavaScript the skeleton's own content (links,
// a plain version) is what the visitor uses, so make that useful.
//
//   <div data-lazy-fragment="/search/dates?from=..."> ...skeleton... </div>
//
// Events: "fragment:loaded" (bubbles) after a swap; on failure the skeleton stays and the element
// gets data-lazy-fragment-error. A fragment may hold lazy fragments of its own (the alternative
// trains on the availability page hold each train's class buttons): they load in turn.

export function loadFragments(root = document, { rootMargin = "200px" } = {}) {
  const targets = [...root.querySelectorAll("[data-lazy-fragment]")];
  if (!targets.length) return;
  if (!("IntersectionObserver" in window)) {
    targets.forEach(load);
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        load(entry.target);
      }
    }
  }, { rootMargin });
  targets.forEach((target) => observer.observe(target));
}

export async function load(element) {
  const url = new URL(element.dataset.lazyFragment, location.href);
  if (url.origin !== location.origin) return;
  element.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    element.innerHTML = await response.text();
    element.removeAttribute("data-lazy-fragment");
    loadFragments(element);
    element.dispatchEvent(new CustomEvent("fragment:loaded", { bubbles: true }));
  } catch (error) {
    element.dataset.lazyFragmentError = String(error.message || error);
  } finally {
    element.removeAttribute("aria-busy");
  }
}
