import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import type { MigrationInterface } from 'typeorm';

/** Compiles a generated TypeORM migration (TypeScript source) into `dir` and returns its class. */
export function loadMigrationClass(source: string, dir: string): new () => MigrationInterface {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = join(dir, `migration-${Date.now()}-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(file, js);
  const exported = createRequire(__filename)(file) as Record<string, new () => MigrationInterface>;
  return Object.values(exported)[0];
}
