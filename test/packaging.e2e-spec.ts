import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const LIBS = readdirSync(join(ROOT, 'libs')).filter((name) =>
  existsSync(join(ROOT, 'libs', name, 'package.json')),
);

// Every library is published on its own: `npm pack` must give a CommonJS package with types,
// without sources or tests, that another project can require by name.
describe.each(LIBS)('npm pack of libs/%s', (lib) => {
  let dir: string;
  let manifest: { name: string; main: string; types: string };
  let installed: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nest-perf-pack-'));
    manifest = JSON.parse(readFileSync(join(ROOT, 'libs', lib, 'package.json'), 'utf8'));
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: join(ROOT, 'libs', lib),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [{ filename }] = JSON.parse(out);
    installed = join(dir, 'node_modules', ...manifest.name.split('/'));
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, filename), '-C', installed, '--strip-components=1']);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is named @nest-perf/* and ships built JavaScript and declarations only', () => {
    expect(manifest.name).toMatch(/^@nest-perf\/[a-z-]+$/);
    expect(existsSync(join(installed, manifest.main))).toBe(true);
    expect(existsSync(join(installed, manifest.types))).toBe(true);
    const files = execFileSync('find', ['.', '-type', 'f'], {
      cwd: installed,
      encoding: 'utf8',
    }).split('\n');
    expect(files.filter((f) => /\.spec\.|\/src\/|tsbuildinfo/.test(f))).toEqual([]);
  });

  it('loads with require() from another project', () => {
    const script = `const lib = require(${JSON.stringify(manifest.name)}); console.log(JSON.stringify(Object.keys(lib)))`;
    const exported = JSON.parse(
      execFileSync(process.execPath, ['-e', script], {
        cwd: dir,
        // the package's own dependencies come from the workspace's node_modules
        env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
        encoding: 'utf8',
      }),
    );
    expect(exported.length).toBeGreaterThan(0);
  });
});
