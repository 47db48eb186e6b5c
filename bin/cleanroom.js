#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step), so `npx cleanroom` always runs
// the checked-out sources.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
