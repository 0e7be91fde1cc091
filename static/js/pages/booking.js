// Booking pages. The passenger-editing helpers (components/passenger-formset.js) are loaded on the
// first interaction with a passenger formset, so the form costs nothing until it is used.
//
// Markup (a Django formset; every button also works without JavaScript as a submit button that
// the view handles by re-rendering the formset with a row more or less):
//
//   <div data-formset="form">                                    {# the formset prefix #}
//     {{ formset.management_form }}
//     <div data-formset-list>
//       {% for form in formset %}<fieldset data-formset-form> ...fields...
//         <button type="submit" name="remove_passenger" value="{{ forloop.counter0 }}" data-formset-remove>Remove</button>
//       </fieldset>{% endfor %}
//     </div>
//     <template data-formset-empty><fieldset data-formset-form>{{ formset.empty_form }} ...remove button...</fieldset></template>
//     <button type="submit" name="add_passenger" value="1" data-formset-add>Add passenger</button>
//     <p data-formset-status class="visually-hidden" aria-live="polite"></p>
//   </div>
const formsets = document.querySelectorAll("[data-formset]");
const BUTTONS = "[data-formset-add], [data-formset-remove]";
let helpers;

for (const formset of formsets) {
  let started = false;
  let pending = null; // a button pressed before the helpers arrived: done once they have

  const start = () => {
    if (started) return;
    started = true;
    for (const type of ["pointerdown", "focusin", "keydown"]) formset.removeEventListener(type, start);
    helpers ??= import("../components/passenger-formset.js");
    helpers.then(({ enhance }) => {
      formset.removeEventListener("click", early);
      const controller = enhance(formset);
      if (pending) controller.activate(pending);
    }).catch(() => {
      // Offline or blocked: fall back to the server round trip the buttons make without JavaScript.
      formset.removeEventListener("click", early);
      pending?.click();
    });
  };
  const early = (event) => {
    const button = event.target.closest(BUTTONS);
    if (!button) return;
    event.preventDefault();
    pending = button;
    start();
  };
  for (const type of ["pointerdown", "focusin", "keydown"]) formset.addEventListener(type, start);
  formset.addEventListener("click", early);
}
