// Dashboard (and any page with lazily loaded parts). Usage in a template:
//
//   {% block page_js %}<script type="module" src="{% static 'js/pages/dashboard.js' %}"></script>{% endblock %}
//   <section data-lazy-fragment="{% url 'some-fragment' %}" class="upcoming">
//     <span class="skeleton" style="height: 7.5rem"></span>   {# exactly the fragment's height #}
//     <a href="{% url 'full-page' %}">Upcoming journeys</a>      {# what works without JavaScript #}
//   </section>
//
// The fragment view returns only the HTML that replaces the element's content (Django 6 template
// partials: render "page.html#partial_name"). Mark it @private_page if it is personal.
//
// Inside a loaded fragment, a link with data-fragment="URL" (a pager's "Older") loads that URL into
// the same element instead of leaving the page; its href is the full page, for new tabs and for
// visitors without JavaScript.
import { load, loadFragments } from "../components/lazy-fragments.js";

loadFragments();

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-fragment]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const slot = link.closest("[data-fragment-slot]");
  if (!slot) return;
  event.preventDefault();
  slot.dataset.lazyFragment = link.dataset.fragment;
  load(slot).then(() => {
    if (!slot.hasAttribute("data-lazy-fragment")) slot.querySelector("a, [tabindex]")?.focus({ preventScroll: true });
  });
});
