import type { OpenApiDocumentShape, OpenApiOperationShape } from './routes/operations.ts';

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function operationHtml(method: string, path: string, op: OpenApiOperationShape): string {
  const params = (op.parameters ?? [])
    .map((p) => `<li><code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''})${p.description ? `: ${escapeHtml(p.description)}` : ''}</li>`)
    .join('');
  const body = op.requestBody === undefined ? '' : `<details><summary>request body</summary><pre>${escapeHtml(JSON.stringify(op.requestBody, null, 2))}</pre></details>`;
  const open = op.security !== undefined && op.security.length === 0 ? ' <span class="open">no key</span>' : '';
  return (
    `<section id="${escapeHtml(`${method}-${path}`)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${open}</h3>` +
    `${op.summary ? `<p>${escapeHtml(op.summary)}</p>` : ''}${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}` +
    `${params ? `<ul>${params}</ul>` : ''}${body}</section>`
  );
}

/**
 * A readable, self-contained reference page generated from the OpenAPI document (no
 * script, no external assets: it works on a machine without network).
 */
export function renderReferencePage(document: OpenApiDocumentShape): string {
  const byTag = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const sections = [...byTag.entries()].map(([tag, ops]) => `<h2 id="${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join('')}`).join('');
  const toc = [...byTag.keys()].map((tag) => `<a href="#${escapeHtml(tag)}">${escapeHtml(tag)}</a>`).join(' · ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f5f7;padding:.5rem;overflow:auto}
section{border-top:1px solid #e3e5ea;padding:.25rem 0}.m{display:inline-block;min-width:4.5rem;font-size:12px;color:#fff;border-radius:3px;text-align:center}
.get{background:#2f6fdb}.post{background:#1f8a4c}.put,.patch{background:#b06b00}.delete{background:#c0392b}.open{font-size:12px;color:#666}</style></head>
<body><h1>${escapeHtml(document.info.title)}</h1><p>${escapeHtml(document.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).</p><nav>${toc}</nav>${sections}</body></html>`;
}
