// The end of every bench/*/run.mjs: format the report with the repo's prettier settings (so the
// results file passes `npm run lint` as written), write it, print it, and warn if the process is
// kept alive by something left open.
import { writeFileSync } from 'node:fs';

export async function writeResults(out, parts) {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(out)) ?? {};
  const markdown = await prettier.format(parts.join('\n'), { ...config, parser: 'markdown' });
  writeFileSync(out, markdown);
  process.stdout.write(markdown);
  console.error(`written to ${out}`);

  // Everything should be closed by now and the process exit by itself. If not, say what is open.
  setTimeout(() => {
    console.error(
      `warning: still running 5 s after the end; open: ${process.getActiveResourcesInfo().join(', ')}`,
    );
    process.exit(process.exitCode ?? 1);
  }, 5_000).unref();
}
