// Editors warn before their unsaved changes are lost. A page with changes not saved yet renders
// an element with data-unsaved="true" (see campaign_dashboard/ui/unsaved.py); following a link
// inside the app, reloading or closing the tab then asks first.
(function () {
  if (window.__unsavedGuard) return;
  window.__unsavedGuard = true;
  const unsaved = () => document.querySelector('[data-unsaved="true"]') !== null;
  // In the capture phase, before the app's own listener: that one closes the connection to the
  // server, which would lose the very changes the person chose to stay for.
  window.addEventListener(
    "beforeunload",
    (event) => {
      if (unsaved()) {
        event.stopImmediatePropagation();
        event.preventDefault();
        event.returnValue = "";
      }
    },
    { capture: true },
  );
  document.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!link || !unsaved() || link.target === "_blank") return;
      if (!window.confirm("Leave this page? Your changes are not saved.")) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true,
  );
})();
