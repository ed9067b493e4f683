#!/usr/bin/env node
// The CLI lives in dist/cli.js, built by `npm run build` (run automatically by `npm ci` through `prepare`).
require('../dist/cli.js');
