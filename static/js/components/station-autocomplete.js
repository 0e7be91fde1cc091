// Station suggestions for text inputs: fills the native <datalist> the inputs point to (their
// list="..." attribute) from the suggestion API named by the input's data-suggest-url.
// The words it shows come translated from the page: data-stations-text ("{count} stations") and
// data-city-text ("{city} (all stations)").
// Loaded on the first focus of a station field (see pages/search.js); without it the fields are
// plain text inputs the server understands (code, city or name).

const MIN_LENGTH = 2;
const DELAY_MS = 150;

export function enhance(inputs) {
  const cache = new Map();
  let timer;
  let controller;

  async function suggest(input) {
    const query = input.value.trim();
    const list = input.list;
    if (!list || query.length < MIN_LENGTH || !input.dataset.suggestUrl) return;
    const key = query.toLowerCase();
    if (!cache.has(key)) {
      controller?.abort();
      controller = new AbortController();
      const url = new URL(input.dataset.suggestUrl, location.href);
      url.searchParams.set("q", query);
      try {
        const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const { stations, cities = [] } = await response.json();
        const texts = { stations: input.dataset.stationsText || "{count} stations", city: input.dataset.cityText };
        cache.set(key, [...cities.map((city) => cityOption(city, texts)), ...stations.map(option)]);
      } catch {
        return; // aborted by a newer keystroke, or offline: the field still works as plain text
      }
    }
    list.replaceChildren(...cache.get(key).map((element) => element.cloneNode(true)));
  }

  for (const input of inputs) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => suggest(input), DELAY_MS);
    });
    if (input === document.activeElement && input.value) suggest(input);
  }
}

// A city of several stations, first: "Mumbai (all stations)" searches from every one of them. The
// label in the page's language ("Mumbai (सभी स्टेशन)"), which the search also accepts.
function cityOption(city, texts) {
  const element = document.createElement("option");
  element.value = texts.city ? texts.city.replace("{city}", city.city) : city.label;
  const count = texts.stations.replace("{count}", String(city.station_count));
  element.label = [count, city.state].filter(Boolean).join(", ");
  return element;
}

function option(station) {
  const element = document.createElement("option");
  // The label form "Name (CODE)" is what the search form resolves most precisely.
  element.value = `${station.name} (${station.code})`;
  element.label = [station.city, station.state].filter(Boolean).join(", ");
  return element;
}
