// Saved passengers in the booking passenger form (dashboard/_saved_passenger_picker.html).
// Ticking a saved passenger fills the first empty passenger row of the booking form at once;
// unticking clears the row it filled. Without JavaScript the picker's "Fill in" button reloads the
// page with ?saved=<id>&saved=<id> and the server fills the rows (dashboard/templatetags).
//
//   <form data-saved-picker [data-saved-picker-form="form.booking-form"]>
//     <input type="checkbox" name="saved" value="7" data-name="Asha Rao" data-age="34"
//            data-gender="F" data-berth-preference="LB"> ...
//     <button data-saved-picker-submit>Fill in</button>
//     <p data-saved-picker-status aria-live="polite"></p>
//   </form>
//
// A passenger row is any element holding an input whose name ends in "-name" (and "-age",
// "-gender", "-berth_preference" beside it): p-0-name as the booking form names them now, or a
// Django formset's form-0-name.

const FIELDS = { name: "name", age: "age", gender: "gender", berth_preference: "berthPreference" };

function rowsOf(form) {
  return [...form.querySelectorAll("input[name$='-name']")].map((input) => {
    const prefix = input.name.slice(0, -"name".length);
    const field = (key) => form.querySelector(`[name="${prefix}${key}"]`);
    return { prefix, field, container: input.closest("fieldset") || input.parentElement };
  });
}

function isEmpty(row) {
  return !row.field("name")?.value.trim() && !row.field("age")?.value.trim();
}

function fill(row, data) {
  for (const [key, dataKey] of Object.entries(FIELDS)) {
    const element = row.field(key);
    if (!element) continue;
    const value = data[dataKey] ?? "";
    if (element.tagName === "SELECT" && ![...element.options].some((option) => option.value === value)) {
      element.value = element.options[0]?.value ?? "";  // a preference this class does not have
    } else {
      element.value = value;
    }
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

export function enhance(picker) {
  const form = document.querySelector(picker.dataset.savedPickerForm || "form.booking-form");
  if (!form) return;
  const status = picker.querySelector("[data-saved-picker-status]");
  const submit = picker.querySelector("[data-saved-picker-submit]");
  if (submit) submit.hidden = true;
  const say = (message) => { if (status) status.textContent = message; };

  picker.addEventListener("change", (event) => {
    const box = event.target.closest("input[type=checkbox][name=saved]");
    if (!box) return;
    const rows = rowsOf(form);
    if (box.checked) {
      const row = rows.find(isEmpty);
      if (!row) {
        box.checked = false;
        say(status.dataset.fullText); // in the page's language (_saved_passenger_picker.html)
        return;
      }
      fill(row, box.dataset);
      row.container.dataset.savedPassenger = box.value;
      say(`${box.dataset.name} added.`);
    } else {
      const row = rows.find((candidate) => candidate.container.dataset.savedPassenger === box.value);
      if (!row) return;
      fill(row, {});
      delete row.container.dataset.savedPassenger;
      say(`${box.dataset.name} removed.`);
    }
  });
}

document.querySelectorAll("[data-saved-picker]").forEach(enhance);
