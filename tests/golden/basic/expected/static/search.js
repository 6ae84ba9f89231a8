// The search page: Pagefind's UI over the site's indexes (one per 500 entries, merged; results link
// under the site's path), through search/pagefind.js (which adds the index of edits); ?q= runs a
// search on load.
(function () {
  var root = document.getElementById("search");
  if (!root || !window.PagefindUI) return;
  var base = root.dataset.base;
  var merged = (root.dataset.merge || "").split(" ").filter(Boolean).map(function (path) {
    return { bundlePath: path, baseUrl: base };
  });
  var ui = new PagefindUI({ element: "#search", bundlePath: root.dataset.api, baseUrl: base,
                            mergeIndex: merged, showSubResults: true, showImages: false, resetStyles: false,
                            processResult: function (result) {
                              // the mark of a page in the index of edits (search.py), not for readers
                              if (result.meta) delete result.meta.edit;
                              return result;
                            } });
  // Pagefind names its field only by a title (axe: label-title-only); give it an accessible name.
  var input = root.querySelector("input");
  if (input) input.setAttribute("aria-label", "Search the digest");
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
