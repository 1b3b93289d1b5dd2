// Preloaded with `node -r ./bench/profiler/otel-register.cjs <app>` (before typeorm is required):
// the competitor in the HTTP benchmark. OpenTelemetry's TypeORM instrumentation with a tracer
// provider that keeps finished spans in memory (SimpleSpanProcessor + InMemorySpanExporter),
// i.e. all the tracing work minus the network export.
//
// Spans are counted and the exporter emptied every 250 ms so memory stays bounded. The count is
// how the benchmark checks that the instrumentation really ran: when the process was started with
// an IPC channel it answers `{ type: 'otel-spans' }` with `{ type: 'otel-spans', spans }`, and it
// prints `otel-spans <n>` to stderr on SIGTERM/SIGINT or exit.
'use strict';
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { TypeormInstrumentation } = require('@opentelemetry/instrumentation-typeorm');

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
provider.register();
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new TypeormInstrumentation()],
});

let total = 0;
function drain() {
  total += exporter.getFinishedSpans().length;
  exporter.reset();
  return total;
}
setInterval(drain, 250).unref();

if (process.send) {
  process.on('message', (message) => {
    if (message && message.type === 'otel-spans') {
      process.send({ type: 'otel-spans', spans: drain() });
    }
  });
  // The IPC channel must not keep the app alive on its own.
  process.channel?.unref();
}
let reported = false;
function report() {
  if (!reported) process.stderr.write(`otel-spans ${drain()}\n`);
  reported = true;
}
process.on('exit', report);
// Nest's shutdown hooks end the process by re-raising the signal, so 'exit' never fires: report
// on the signal too. `once`, and re-raised if nobody else listens, so the signal still kills.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    report();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}
