import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { AdvisorError } from '../advisor.errors';

type Loader = (module: { _compile(code: string, file: string): void }, file: string) => void;

// TypeScript files (the DataSource and the entities it imports) are transpiled on load with the
// project's own `typescript`, the way TypeORM's CLI does with ts-node, minus the type check.
function registerTypeScript(from: string): void {
  const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  if (extensions['.ts']) return;
  let ts: typeof import('typescript') | undefined;
  // The project's own typescript: next to the file, else where the CLI runs.
  for (const base of [from, join(process.cwd(), 'package.json')]) {
    try {
      ts = Module.createRequire(base)('typescript');
      break;
    } catch {
      // try the next place
    }
  }
  if (!ts) {
    throw new AdvisorError(
      `${from} is TypeScript and 'typescript' is not installed next to it: install it, or point --data-source at the compiled .js file`,
    );
  }
  const compiler = ts;
  extensions['.ts'] = (module, file) => {
    const { outputText } = compiler.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: compiler.ModuleKind.CommonJS,
        target: compiler.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    module._compile(outputText, file);
  };
}

/**
 * Loads the DataSource a file exports (default export or any named export), as TypeORM's own
 * CLI does for `-d`. Throws an {@link AdvisorError} saying what is wrong.
 * @internal
 */
export function loadDataSource(path: string): DataSource {
  const file = resolve(path);
  if (!existsSync(file)) throw new AdvisorError(`--data-source: ${path} does not exist`);
  if (file.endsWith('.ts') || file.endsWith('.mts') || file.endsWith('.cts'))
    registerTypeScript(file);
  let exported: Record<string, unknown>;
  try {
    const load = Module.createRequire(file);
    delete load.cache[file]; // a fresh DataSource each call (the options may read the environment)
    exported = load(file);
  } catch (error) {
    throw new AdvisorError(`--data-source: loading ${path} failed: ${(error as Error).message}`);
  }
  const values = [exported.default, ...Object.values(exported), exported];
  const found = values.find((v) => v instanceof DataSource || isDataSourceLike(v));
  if (!found) {
    throw new AdvisorError(
      `--data-source: ${path} exports no TypeORM DataSource (export default new DataSource({...}))`,
    );
  }
  return found as DataSource;
}

// Another copy of typeorm (the app's) makes a DataSource that is not an instance of ours.
function isDataSourceLike(value: unknown): boolean {
  const v = value as Partial<DataSource> | undefined;
  return (
    typeof v?.initialize === 'function' &&
    typeof v.options === 'object' &&
    typeof v.query === 'function'
  );
}
