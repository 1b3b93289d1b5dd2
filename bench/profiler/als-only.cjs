// Preloaded (`node -r`) into a PROFILER=off sample app by request-cost.mjs: one AsyncLocalStorage
// context per HTTP request and nothing else, to split the profiler's per-request cost into what
// Node's AsyncLocalStorage costs by itself and what the profiler adds on top.
const { AsyncLocalStorage } = require('node:async_hooks');
const http = require('node:http');

const storage = new AsyncLocalStorage();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function emitInContext(event, ...args) {
  if (event !== 'request') return emit.call(this, event, ...args);
  return storage.run({ method: args[0].method }, () => emit.call(this, event, ...args));
};
