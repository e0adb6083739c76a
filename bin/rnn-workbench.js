#!/usr/bin/env node
// The installed `rnn-workbench` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../main/cli/index.ts');
