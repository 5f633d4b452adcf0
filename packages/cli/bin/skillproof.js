#!/usr/bin/env node
// The skillproof command. Node 20 cannot load TypeScript by itself: tsx compiles the sources on the fly.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
