#!/usr/bin/env node
// Loads tsx into this very process and runs the TypeScript CLI: one process, so signals
// (SIGTERM drain, kill -9) reach the server itself, and no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
