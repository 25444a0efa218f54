// jsdom has no layout, hence no ResizeObserver (Svelte's bind:clientHeight uses one). This
// stand-in never reports a size, exactly what jsdom's zero-size boxes would give; the windowed
// list then assumes its default box height. In the real app WebKit's own observer runs.
if (!("ResizeObserver" in globalThis)) {
  class NoLayoutResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  (globalThis as Record<string, unknown>).ResizeObserver = NoLayoutResizeObserver;
}
