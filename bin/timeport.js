#!/usr/bin/env node
// The `timeport` command. tsx compiles the TypeScript sources as they load, so what runs is always
// the checked-out source, with no build step to forget (docs/decisions.md).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
