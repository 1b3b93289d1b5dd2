// What the Nest 12 boot scripts share: decorators applied by hand (the scripts are plain
// CommonJS, no TypeScript) and the one-JSON-line protocol test/nest12.e2e-spec.ts reads.

/** Applies method decorators (`@Get()`, `@Cached()`) to `target[key]`, as TypeScript would. */
function decorateMethod(decorators, target, key) {
  Object.defineProperty(
    target,
    key,
    Reflect.decorate(decorators, target, key, Object.getOwnPropertyDescriptor(target, key)),
  );
}

/** Runs `main` and prints its result as one JSON line; any error exits 1 with the error. */
function report(main) {
  main().then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

module.exports = { decorateMethod, report };
