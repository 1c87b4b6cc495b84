import { describe, expect, it } from 'vitest';
import { pagesToLoad, visibleRange } from './virtual';

describe('visibleRange', () => {
  it('covers the viewport plus overscan', () => {
    expect(visibleRange(0, 360, 36, 100_000)).toEqual({ start: 0, end: 21 });
    expect(visibleRange(36_000, 360, 36, 100_000)).toEqual({ start: 990, end: 1021 });
  });

  it('stops at the last row', () => {
    expect(visibleRange(3_599_000, 720, 36, 100_000)).toEqual({ start: 99_962, end: 100_000 });
  });

  it('is empty without rows', () => {
    expect(visibleRange(0, 500, 36, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe('pagesToLoad', () => {
  it('lists the pages a range spans', () => {
    expect(pagesToLoad({ start: 95, end: 205 }, 100)).toEqual([0, 1, 2]);
    expect(pagesToLoad({ start: 0, end: 100 }, 100)).toEqual([0]);
  });

  it('is empty for an empty range', () => {
    expect(pagesToLoad({ start: 0, end: 0 }, 100)).toEqual([]);
  });
});
