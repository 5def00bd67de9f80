// Parse Mermaid diagrams with Mermaid's own parser (the `mermaid` package), without a browser.
//
// Usage: node parse.mjs FILE...   Prints "FILE: ok <diagram type>" for each file that parses,
// or "FILE: <Mermaid's error>" and exits 1 when one does not.
//
// Mermaid sanitises labels with DOMPurify, which needs a browser window; parsing needs none,
// so DOMPurify's hooks and sanitiser are stubbed here. Nothing is rendered.
import { readFileSync } from 'node:fs';
import DOMPurify from 'dompurify';

for (const name of ['addHook', 'removeHook', 'removeHooks', 'removeAllHooks']) {
  DOMPurify[name] = () => {};
}
DOMPurify.sanitize = (text) => String(text);

const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, maxTextSize: 10_000_000, maxEdges: 1_000_000 });

let failed = false;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const result = await mermaid.parse(text);
    console.log(`${file}: ok ${result.diagramType}`);
  } catch (error) {
    failed = true;
    console.log(`${file}: ${String(error?.message ?? error)}`);
  }
}
process.exit(failed ? 1 : 0);
