#!/usr/bin/env node
// The built CLI (npm install / npm ci run the build through `prepare`).
import '../dist/src/cli/main.js';
