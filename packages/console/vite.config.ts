// Builds the console into dist/, with asset URLs under /console/ where the server serves it.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Under CSP `script-src 'self'`: the module preload polyfill would be an extra script for no gain.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
