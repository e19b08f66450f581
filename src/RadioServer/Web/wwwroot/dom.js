// The DOM helpers every page uses (listener, embed, hosts', operators'): one small builder and a text setter.

/** h('div', { class: 'x', text: 'y' }, child, [children]): attributes false/null/undefined are left out. */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Sets a node's text only when it changes, so live regions announce changes and nothing else. */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/** An icon element (station.css: the text is the icon's name, the shape an SVG mask chosen by data-icon). */
export function setIcon(node, name) {
  if (!node) return;
  node.dataset.icon = name;
  node.textContent = name;
}

/**
 * Keeps a field's value (a key) for this browser tab only, in session storage: restores it now and saves it as
 * it is typed. Returns { restored: whether a value was kept, save: for a value set without typing }.
 */
export function keepForTab(input, storageKey) {
  const save = () => {
    try {
      if (input.value) sessionStorage.setItem(storageKey, input.value);
      else sessionStorage.removeItem(storageKey);
    } catch (_) { /* storage disabled: the value lives in the field only */ }
  };
  let restored = false;
  try {
    const kept = sessionStorage.getItem(storageKey);
    if (kept) {
      input.value = kept;
      restored = true;
    }
  } catch (_) { /* storage disabled */ }
  input.addEventListener('input', save);
  return { restored, save };
}
