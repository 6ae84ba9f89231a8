// Pagefind's search API as the search page's UI loads it (bundlePath: this folder), with the index of
// edits in: a build that changed a few entry pages indexes them apart (pagefind/edits/) and lists in
// pagefind/edits.json the [id, url] of their old copies in the shards' indexes, which are left out here.
import * as pagefind from "../../pagefind/pagefind.js";

export { createInstance, destroy, filters, init, preload } from "../../pagefind/pagefind.js";

const listing = new URL("../../pagefind/edits.json", import.meta.url);
const edits = fetch(listing)
  .then(function (response) { return response.ok ? response.json() : {}; })
  .catch(function () { return {}; });
const stale = edits.then(function (found) { return new Map(found.stale || []); });

export async function options(given) {
  await pagefind.options(given);
  const found = await edits;
  if (found.bundle) await pagefind.mergeIndex(new URL(found.bundle, listing).pathname, { baseUrl: given.baseUrl });
}

export function mergeIndex(path, given) {
  return pagefind.mergeIndex(path, given);
}

async function current(response) {
  const old = await stale;
  if (!response || !response.results || !old.size) return response;
  const keep = await Promise.all(response.results.map(async function (result) {
    if (!old.has(result.id)) return true;
    const data = await result.data();
    return (data.raw_url || data.url) !== old.get(result.id);
  }));
  const results = response.results.filter(function (_, at) { return keep[at]; });
  const left = response.results.length - results.length;
  return Object.assign({}, response, { results: results, unfilteredResultCount: response.unfilteredResultCount - left });
}

export async function search(term, given) {
  return current(await pagefind.search(term, given));
}

export async function debouncedSearch(term, given, wait) {
  return current(await pagefind.debouncedSearch(term, given, wait));
}
