/** A visual's place in the 12-column grid, as CSS grid lines (set through the CSSOM: the CSP allows no inline style attribute). */
export function gridStyle(layout: { readonly x: number; readonly y: number; readonly w: number; readonly h: number }): Record<string, string> {
  return {
    gridColumn: `${layout.x + 1} / span ${layout.w}`,
    gridRow: `${layout.y + 1} / span ${layout.h}`,
  };
}
