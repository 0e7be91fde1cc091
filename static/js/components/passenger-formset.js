// Passenger rows of a Django formset, added and removed in place (see pages/booking.js for the
// markup). Keeps the management form's TOTAL_FORMS right, respects MAX_NUM_FORMS / MIN_NUM_FORMS,
// renumbers the rows after a removal so the server sees forms 0..n-1, moves focus sensibly and
// announces each change in the data-formset-status live region.

export function enhance(root) {
  const prefix = root.dataset.formset;
  const list = root.querySelector("[data-formset-list]");
  const template = root.querySelector("template[data-formset-empty]");
  const addButton = root.querySelector("[data-formset-add]");
  const status = root.querySelector("[data-formset-status]");
  const total = root.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const max = Number(root.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`)?.value || 1000);
  const min = Number(root.querySelector(`input[name="${prefix}-MIN_NUM_FORMS"]`)?.value || 0);
  const rows = () => [...list.querySelectorAll(":scope > [data-formset-form]")];

  function announce(message) {
    if (status) status.textContent = message;
  }

  function refresh() {
    const count = rows().length;
    total.value = String(count);
    if (addButton) addButton.disabled = count >= max;
    for (const button of root.querySelectorAll("[data-formset-remove]")) button.disabled = count <= min;
  }

  function renumber(row, index) {
    const pattern = new RegExp(`^${prefix}-(\\d+|__prefix__)-`);
    for (const element of row.querySelectorAll("[name], [id], label[for]")) {
      for (const attribute of ["name", "id", "for"]) {
        const value = element.getAttribute(attribute);
        if (value && pattern.test(value)) element.setAttribute(attribute, value.replace(pattern, `${prefix}-${index}-`));
      }
    }
    const remove = row.querySelector("[data-formset-remove]");
    if (remove) remove.value = String(index);
  }

  function add() {
    const count = rows().length;
    if (count >= max) return;
    const row = template.content.firstElementChild.cloneNode(true);
    renumber(row, count);
    list.append(row);
    refresh();
    row.querySelector("input, select, textarea")?.focus();
    announce(`Passenger ${count + 1} added.`);
  }

  function remove(row) {
    if (rows().length <= min) return;
    const index = rows().indexOf(row);
    row.remove();
    rows().forEach(renumber);
    refresh();
    const next = rows()[Math.min(index, rows().length - 1)];
    (next?.querySelector("input, select, textarea") || addButton)?.focus();
    announce(`Passenger ${index + 1} removed.`);
  }

  function activate(button) {
    if (button.matches("[data-formset-add]")) add();
    else if (button.matches("[data-formset-remove]")) remove(button.closest("[data-formset-form]"));
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-formset-add], [data-formset-remove]");
    if (!button || !root.contains(button)) return;
    event.preventDefault();
    activate(button);
  });
  refresh();
  return { add, remove, activate, refresh };
}
