#!/usr/bin/env node
// Caches V8's compiled code of the bundle on disk (Node >= 22.1), which shortens every later start.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/cli.js');
