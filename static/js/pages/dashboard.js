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
import { loadFragments } from "../components/lazy-fragments.js";

loadFragments();
