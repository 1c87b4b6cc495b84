/** Elements that take focus with the Tab key. */
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Returns the index that Tab (or Shift+Tab when `backwards`) should move to
 * inside a trap of `count` elements, or null when the browser's own move
 * stays inside. Focus outside the trap (index -1) goes to an end.
 */
export function wrapIndex(count: number, current: number, backwards: boolean): number | null {
  if (count === 0) return null;
  if (current < 0) return backwards ? count - 1 : 0;
  if (backwards && current === 0) return count - 1;
  if (!backwards && current === count - 1) return 0;
  return null;
}

/**
 * Svelte action that keeps Tab and Shift+Tab inside `node` and gives focus
 * back to the element that had it when the node goes away.
 */
export function trapFocus(node: HTMLElement): { destroy: () => void } {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;

  function onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Tab') return;
    const elements = [...node.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (element) => element.offsetParent !== null || element === document.activeElement,
    );
    const current = elements.indexOf(document.activeElement as HTMLElement);
    const target = wrapIndex(elements.length, current, event.shiftKey);
    if (target === null) return;
    event.preventDefault();
    elements[target].focus();
  }

  node.addEventListener('keydown', onKeydown);
  return {
    destroy() {
      node.removeEventListener('keydown', onKeydown);
      if (opener?.isConnected) opener.focus();
    },
  };
}
