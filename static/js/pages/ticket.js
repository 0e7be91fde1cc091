// The e-ticket. Online it is revalidated on every visit (private, no-cache), so a copy shown while the
// device is offline, or rendered more than a minute ago, was served by the service worker from this
// device: say so, and as of when. Going offline with the ticket open says the same.
import { fill, istTime } from "../components/ist-time.js";

const SAVED_AFTER_MS = 60_000;
const ticket = document.querySelector("[data-offline-ticket][data-rendered-at]");
const notice = document.querySelector("[data-saved-copy]");

function showSavedCopy() {
  // The words in the page's language (data-saved-copy on booking/ticket.html).
  notice.textContent = fill(notice.dataset.savedCopy, { time: istTime(ticket.dataset.renderedAt) });
  notice.hidden = false;
}

if (ticket && notice) {
  if (!navigator.onLine || Date.now() - new Date(ticket.dataset.renderedAt) > SAVED_AFTER_MS) showSavedCopy();
  addEventListener("offline", showSavedCopy);
}
