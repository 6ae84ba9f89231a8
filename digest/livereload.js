(() => {
  "use strict";
  const me = document.currentScript, epoch = me.dataset.epoch, ID = "__digest-overlay";
  const el = (tag, css, text) => {
    const node = document.createElement(tag);
    if (css) node.style.cssText = css;
    if (text !== undefined) node.textContent = text;   // problems carry user text: never innerHTML
    return node;
  };
  const hide = () => { const old = document.getElementById(ID); if (old) old.remove(); };
  const show = (problems) => {
    hide();
    const box = el("div", "position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:70vh;overflow:auto;" +
      "z-index:2147483647;background:#1d1d21;color:#f4f4f5;border-left:6px solid #e5484d;border-radius:6px;" +
      "padding:1rem 1.25rem;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;" +
      "box-shadow:0 8px 32px rgba(0,0,0,.45);text-align:left");
    box.id = ID;
    box.setAttribute("role", "alert");
    box.append(el("strong", "display:block;margin-bottom:.5rem",
      "The build failed. This is the last good build; save a fix and the page reloads."));
    const list = el("ul", "margin:0;padding:0;list-style:none");
    for (const p of problems) {
      const item = el("li", "margin:.6rem 0");
      item.append(el("div", "color:#ff9592", `${p.path}:${p.line}:${p.col}: ${p.severity}`),
                  el("div", "white-space:pre-wrap", p.hint ? `${p.message}. ${p.hint}` : p.message));
      list.append(item);
    }
    const dismiss = el("button", "margin-top:.5rem;font:inherit;cursor:pointer", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", hide);
    box.append(list, dismiss);
    document.body.append(box);
  };
  // One connection per visible tab (browsers allow ~6 per host); a tab shown again catches up at once,
  // since the server sends the current state to every new connection.
  let source = null;
  const connect = () => {
    if (source) return;
    source = new EventSource(me.dataset.events);
    source.addEventListener("message", (event) => {
      const state = JSON.parse(event.data);
      if (state.epoch && state.epoch !== epoch) { source.close(); location.reload(); }
      else if (state.problems.length) show(state.problems);
      else hide();
    });
  };
  const disconnect = () => { if (source) { source.close(); source = null; } };
  document.addEventListener("visibilitychange", () => (document.hidden ? disconnect() : connect()));
  if (!document.hidden) connect();
})();
