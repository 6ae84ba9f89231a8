// The search page: Pagefind's UI over the index under this site's path; ?q= runs a search on load.
(function () {
  var root = document.getElementById("search");
  if (!root || !window.PagefindUI) return;
  var ui = new PagefindUI({ element: "#search", bundlePath: root.dataset.bundle, showSubResults: true,
                            showImages: false, resetStyles: false });
  // Pagefind names its field only by a title (axe: label-title-only); give it an accessible name.
  var input = root.querySelector("input");
  if (input) input.setAttribute("aria-label", "Search the digest");
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
