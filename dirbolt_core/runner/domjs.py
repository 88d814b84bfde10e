"""Script pieces the runner's page scripts share."""

# Every open shadow root of the document, nested ones included (web components' insides).
DEEP_QUERY_JS = """const shadowRoots = () => {
  const out = [], stack = [document];
  while (stack.length) {
    const root = stack.pop();
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { out.push(el.shadowRoot); stack.push(el.shadowRoot); }
    }
  }
  return out;
};
const deepQuery = (sel) => {
  const found = document.querySelector(sel);
  if (found) return found;
  for (const root of shadowRoots()) { const f = root.querySelector(sel); if (f) return f; }
  return null;
};
"""
