// The command line every bench/*/run.mjs takes: `--quick`, `--only a,b` (sections by name, checked
// against the ones the benchmark has) and `--name value` / `--name=value` flags of its own.

export function benchArgs(sections, argv = process.argv.slice(2)) {
  const flag = (name) => {
    const arg = argv.find((a) => a === name || a.startsWith(`${name}=`));
    if (!arg) return undefined;
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[argv.indexOf(arg) + 1];
  };
  const known = Object.keys(sections);
  const only = (flag('--only') ?? known.join(',')).split(',');
  const unknown = only.filter((s) => !sections[s]);
  if (unknown.length) {
    console.error(`unknown section(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
    process.exit(2);
  }
  if (typeof global.gc !== 'function') {
    console.error('warning: run with node --expose-gc (mitata uses global.gc between runs)');
  }
  return { quick: argv.includes('--quick'), only, flag };
}
