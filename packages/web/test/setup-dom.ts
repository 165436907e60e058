import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// jsdom lacks what Mantine asks of a browser: media queries, element resize events, fonts, scrolling.
if (typeof window.matchMedia !== 'function')
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string): MediaQueryList => {
      const list: MediaQueryList = {
        matches: false,
        media: query,
        onchange: null,
        addListener: () => {},
        removeListener: () => {},
        addEventListener: () => {},
        removeEventListener: () => {},
        dispatchEvent: () => false,
      };
      return list;
    },
  });

class NoResizeObserver implements ResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
if (typeof globalThis.ResizeObserver !== 'function') globalThis.ResizeObserver = NoResizeObserver;

// Autosized text areas listen for web fonts loading.
if (!Reflect.has(document, 'fonts')) Object.defineProperty(document, 'fonts', { value: new EventTarget() });

if (typeof Element.prototype.scrollIntoView !== 'function') Element.prototype.scrollIntoView = () => {};

// What a page shows after an answer can take a while on a busy machine: wait for it, up to a limit.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.unstubAllGlobals();
});
