import { describe, expect, it } from 'vitest';
import { wrapIndex } from './focusTrap';

describe('wrapIndex', () => {
  it('wraps Tab from the last element to the first', () => {
    expect(wrapIndex(4, 3, false)).toBe(0);
  });
  it('wraps Shift+Tab from the first element to the last', () => {
    expect(wrapIndex(4, 0, true)).toBe(3);
  });
  it('leaves moves in the middle to the browser', () => {
    expect(wrapIndex(4, 1, false)).toBeNull();
    expect(wrapIndex(4, 2, true)).toBeNull();
  });
  it('brings focus from outside back in', () => {
    expect(wrapIndex(4, -1, false)).toBe(0);
    expect(wrapIndex(4, -1, true)).toBe(3);
  });
  it('does nothing without focusable elements', () => {
    expect(wrapIndex(0, -1, false)).toBeNull();
  });
});
