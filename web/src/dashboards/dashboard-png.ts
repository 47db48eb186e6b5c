/**
 * A dashboard as one PNG image, drawn in the browser from what the page shows: each
 * visual's panel at its place in the grid, its title, its chart (the SVG, serialised
 * and drawn as an image: its colours and fonts are attributes, so it looks the same),
 * and for KPI tiles and tables the text of each element where it stands. Nothing is
 * sent anywhere; the image is built from the rows already on the page.
 */

const SCALE = 2;
const HEADER = 56;
const TEXT_PARTS = '.kpi-label, .kpi-value, .kpi-interval, th, td, .empty, .note';

function loadSvg(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const text = new XMLSerializer().serializeToString(svg);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      resolve(image);
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('a chart could not be drawn into the image'));
    };
    image.src = url;
  });
}

/** An element's own text; a column header without its type line (drawn on its own). */
function textOf(el: Element): string {
  const parts = [...el.childNodes].filter((n) => !(n instanceof Element && n.classList.contains('type'))).map((n) => n.textContent ?? '');
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/** Words into lines no wider than `width` (a long title wraps as it does on the page). */
function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (line !== '' && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The text of an element drawn at its place, in its font and colour, clipped to its panel. */
function drawText(ctx: CanvasRenderingContext2D, el: Element, origin: DOMRect): void {
  const text = textOf(el);
  if (text === '') return;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return;
  const style = getComputedStyle(el);
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  ctx.fillStyle = style.color;
  ctx.textBaseline = 'middle';
  const right = el.matches('.num') || style.textAlign === 'right';
  ctx.textAlign = right ? 'right' : 'left';
  const padLeft = parseFloat(style.paddingLeft) || 0;
  const padRight = parseFloat(style.paddingRight) || 0;
  const width = Math.max(10, r.width - padLeft - padRight);
  const x = right ? r.right - origin.left - padRight : r.left - origin.left + padLeft;
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3;
  const lines = wrap(ctx, text, width);
  const top = r.top - origin.top + (parseFloat(style.paddingTop) || 0);
  const inner = r.height - (parseFloat(style.paddingTop) || 0) - (parseFloat(style.paddingBottom) || 0);
  // One line: centred in the box, like a table cell; several: from the top, like a heading.
  const first = lines.length === 1 ? top + inner / 2 : top + lineHeight / 2;
  lines.forEach((line, i) => ctx.fillText(line, x, first + i * lineHeight, width));
  // A column header's type, under its name, as on the page.
  const type = el.querySelector(':scope > .type');
  if (type !== null) drawText(ctx, type, origin);
}

/**
 * Draws the grid of visuals (`[data-visual]` panels inside `grid`) under a title.
 *
 * @example
 *   const png = await dashboardPng(document.querySelector('.dashboard-grid'), 'Q3 campaigns');
 */
export async function dashboardPng(grid: HTMLElement, title: string): Promise<Blob> {
  const box = grid.getBoundingClientRect();
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(box.width * SCALE);
  canvas.height = Math.ceil((box.height + HEADER) * SCALE);
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('this browser cannot draw images (no 2D canvas)');
  ctx.scale(SCALE, SCALE);
  ctx.fillStyle = '#f6f7f9';
  ctx.fillRect(0, 0, box.width, box.height + HEADER);
  ctx.fillStyle = '#1b2430';
  ctx.font = '700 22px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 4, HEADER / 2, box.width - 8);
  ctx.translate(0, HEADER);
  const panels = [...grid.querySelectorAll<HTMLElement>('[data-visual]')];
  for (const panel of panels) {
    const r = panel.getBoundingClientRect();
    const x = r.left - box.left;
    const y = r.top - box.top;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.strokeStyle = '#d9dee5';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.roundRect(x + 0.5, y + 0.5, r.width - 1, r.height - 1, 10);
    ctx.fill();
    ctx.stroke();
    ctx.clip();
    const heading = panel.querySelector('.visual-title');
    if (heading !== null) drawText(ctx, heading, box);
    const body = panel.querySelector('.visual-body');
    if (body !== null) {
      for (const svg of body.querySelectorAll<SVGSVGElement>('svg.chart')) {
        const s = svg.getBoundingClientRect();
        ctx.drawImage(await loadSvg(svg), s.left - box.left, s.top - box.top, s.width, s.height);
      }
      for (const el of body.querySelectorAll(TEXT_PARTS)) drawText(ctx, el, box);
    }
    const sources = panel.querySelector('.visual-sources');
    if (sources !== null) drawText(ctx, sources, box);
    ctx.restore();
  }
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b === null ? reject(new Error('the image could not be made')) : resolve(b)), 'image/png'));
}
