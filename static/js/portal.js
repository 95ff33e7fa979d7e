// Fly-out panels are <dialog class="flyout"> elements that htmx loads into #flyout: open
// them as modal dialogs (focus moves in, Escape closes, the page behind is inert) and remove
// them once closed, so that focus goes back to what opened them.
document.addEventListener("htmx:load", (event) => {
  const root = event.detail.elt;
  const dialogs = root.matches?.("dialog.flyout") ? [root] : root.querySelectorAll?.("dialog.flyout") ?? [];
  for (const dialog of dialogs) {
    if (!dialog.open) dialog.showModal();
    dialog.addEventListener("close", () => dialog.remove(), { once: true });
  }
});
