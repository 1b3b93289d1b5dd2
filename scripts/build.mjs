#!/usr/bin/env node
// Builds every workspace with one `tsc -b` call. Projects are discovered, not listed: a new
// library is a new folder under libs/ with a tsconfig.build.json, nothing to register here.
// tsc -b orders them by their `references` and skips what is up to date (about 1 s).
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const folders = args.includes('--libs-only') ? ['libs'] : ['libs', 'apps'];
const projects = folders.flatMap((folder) => {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => join(folder, name, 'tsconfig.build.json'))
    .filter((p) => existsSync(join(root, p)));
});
if (projects.length === 0) process.exit(0);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const tscArgs = ['-b', ...projects, ...(args.includes('--clean') ? ['--clean'] : [])];
const result = spawnSync(process.execPath, [tsc, ...tscArgs], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
