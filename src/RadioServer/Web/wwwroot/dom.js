// Shared by the hosts' and operators' pages: one small DOM builder. Plain ES2020, no dependencies.
'use strict';

// h('div', { class: 'x', text: 'y' }, child, [children]): attributes false/null/undefined are left out.
window.StationDom = Object.freeze({
  h(tag, attrs, ...children) {
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
  },
});
