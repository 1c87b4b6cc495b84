// Arithmetic of the virtual table: which rows are on screen and which pages
// must be loaded for them. Kept apart from the component so it can be tested.

export interface RowRange {
  /** First row index to render (inclusive). */
  start: number;
  /** Row index after the last one to render (exclusive). */
  end: number;
}

/** Rows visible in the viewport plus `overscan` rows above and below. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 10,
): RowRange {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start: Math.min(start, end), end };
}

/** Page numbers that hold the rows of `range`. */
export function pagesToLoad(range: RowRange, pageSize: number): number[] {
  if (range.end <= range.start) return [];
  const first = Math.floor(range.start / pageSize);
  const last = Math.floor((range.end - 1) / pageSize);
  const pages: number[] = [];
  for (let page = first; page <= last; page += 1) pages.push(page);
  return pages;
}
