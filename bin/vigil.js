#!/usr/bin/env node
// The `vigil` command. The CLI is TypeScript; tsx compiles it on load so the same sources run in
// development, tests and installs without a separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../services/cli/main.ts');
