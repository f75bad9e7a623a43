#!/usr/bin/env node
// The `pos` command: loads the TypeScript sources through tsx, so a clone runs without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
