#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` / `npm run build` through the prepare script).
import '../dist/src/cli/main.js';
