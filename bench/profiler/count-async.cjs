// Preloaded (`node -r`) by request-footprint.mjs: counts the async resources (promises, ticks,
// timers, …) the process creates, by type, and answers the parent's { type: 'async-counts' }
// message with the counts and the number of HTTP requests seen so far. An enabled init hook makes
// Node run its promise hooks, as AsyncLocalStorage does, so every variant pays the same for it.
const { createHook } = require('node:async_hooks');
const http = require('node:http');

const counts = new Map();
let requests = 0;
createHook({
  init(_id, type) {
    counts.set(type, (counts.get(type) ?? 0) + 1);
  },
}).enable();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function countRequests(event, ...args) {
  if (event === 'request') requests++;
  return emit.call(this, event, ...args);
};
process.on('message', (m) => {
  if (m?.type === 'async-counts') {
    process.send({ type: 'async-counts', requests, counts: Object.fromEntries(counts) });
  }
});
