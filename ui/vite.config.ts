import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

/** Fontsource's CSS offers each font as WOFF2 and, for old browsers, WOFF. WebKit reads WOFF2,
 *  so the WOFF files would only make the app's binary larger (about 0.7 MB): their `url()` is
 *  taken out of the CSS, and Vite then never copies them into dist/. */
const woff2Only = {
  name: "carenet-woff2-only",
  enforce: "pre" as const,
  transform(code: string, id: string) {
    if (!/@fontsource\/.+\.css$/.test(id)) return null;
    return { code: code.replace(/,\s*url\([^)]*\.woff\)\s*format\(['"]woff['"]\)/g, ""), map: null };
  },
};

// Everything is bundled into dist/: no CDN, no remote font, nothing fetched at run time.
export default defineConfig({
  plugins: process.env.VITEST ? [svelte(), svelteTesting()] : [woff2Only, svelte()],
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari16",
    // Inline assets would need `data:` in the CSP for fonts; keep them as files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
  },
});
