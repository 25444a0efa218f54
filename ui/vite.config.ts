import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

/** The fonts as the app embeds them. Fontsource's CSS declares every subset of a font, each as
 *  WOFF2 and, for old browsers, WOFF. WebKit reads WOFF2, and the six UN languages need Noto
 *  Sans's Latin, Latin extended, Cyrillic and Cyrillic extended subsets and Noto Sans Arabic's
 *  Arabic one (Chinese uses the system's font; see app.css). So the WOFF `url()`s and the other
 *  subsets' `@font-face` rules are taken out of the CSS, and Vite never copies their files into
 *  dist/ (1.8 MB before, 0.83 MB after). The rules kept keep their `unicode-range`, so WebKit
 *  loads a subset only for text that needs it; other scripts (Greek, Devanagari...) in a name
 *  or a note are drawn with the system's fonts. */
const KEEP_FACE = /\/files\/(noto-sans-(latin|latin-ext|cyrillic|cyrillic-ext)|noto-sans-arabic-arabic)-\d+-normal\.woff2/;
const fontsWeUse = {
  name: "carenet-fonts-we-use",
  enforce: "pre" as const,
  transform(code: string, id: string) {
    if (!/@fontsource\/.+\.css$/.test(id)) return null;
    const kept = code
      .replace(/,\s*url\([^)]*\.woff\)\s*format\(['"]woff['"]\)/g, "")
      .replace(/(\/\*[^*]*\*\/\s*)?@font-face\s*\{[^}]*\}/g, (face) => (KEEP_FACE.test(face) ? face : ""));
    return { code: kept, map: null };
  },
};

// Everything is bundled into dist/: no CDN, no remote font, nothing fetched at run time.
export default defineConfig({
  plugins: process.env.VITEST ? [svelte(), svelteTesting()] : [fontsWeUse, svelte()],
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
