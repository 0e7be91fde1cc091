// Home and search results. The station autocomplete is loaded on the first focus of a station
// field. Lazy fragments (the results' date strip) load as they come into view; their loader is
// fetched only on pages that have one (those pages modulepreload it, so it is not a second hop).

const stationInputs = [...document.querySelectorAll("[data-station-input]")];
let autocomplete;

function startAutocomplete() {
  autocomplete ??= import("../components/station-autocomplete.js").then((module) => module.enhance(stationInputs));
  return autocomplete;
}

for (const input of stationInputs) input.addEventListener("focus", startAutocomplete, { once: true });
if (stationInputs.includes(document.activeElement)) startAutocomplete();

if (document.querySelector("[data-lazy-fragment]")) {
  import("../components/lazy-fragments.js").then((module) => module.loadFragments());
}
