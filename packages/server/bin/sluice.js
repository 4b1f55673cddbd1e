#!/usr/bin/env node
// The `sluice` command. This file is committed, not built, so that npm links the bin on a fresh clone
// (npm skips a bin whose target does not exist yet at install time); it runs the compiled CLI.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sluice: the CLI is not built yet: run `npm run build` in the Sluice repository first\n');
  process.exit(1);
}
await import(main.href);
