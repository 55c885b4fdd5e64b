#!/usr/bin/env node
// One exit path (src/cli/exit-path.ts): the command's code once its output is flushed,
// 2 with one line for an error nobody caught or a command that never finished.
import { runToExit } from "../dist/cli/exit-path.js";
import { main } from "../dist/cli/main.js";

void runToExit(() => main(process.argv));
