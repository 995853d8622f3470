// The HTTP benchmark's load (deploy/local/http-bench.sh): autocannon, closed loop, against the
// silo's own HTTP API and the standalone gateway in front of it. For each target it measures
// GET /health, then POST /orders with a fresh order id per request (1-line orders over the demo
// SKUs), and prints req/s and latency; orders/s is reported as a ratio of the same tool's /health
// rate in the same run, and the gateway's overhead per order as the difference in mean latency.
//
//   node http-bench.mjs --silo http://localhost:5510 --gateway http://localhost:5520 [--key KEY]
//        [--duration 15] [--connections 32] [--skus 200] [--warmup 5] [--out FILE]
//
// Before the first measurement, orders go to every target for --warmup seconds, not counted, so
// neither target is measured cold (JIT, first activations of stock grains and nodes).
//
// Exits 1 when any order answered other than 201 (or 200, a replay), or any /health other than 200.
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const targets = [['silo', args.silo], ['gateway', args.gateway]].filter(([, url]) => url);
const key = args.key ?? 'dev-storefront-key';
const duration = Number(args.duration ?? 15);
const connections = Number(args.connections ?? 32);
const skus = Number(args.skus ?? 200);
const warmup = Number(args.warmup ?? 5);
const run = `hb${Date.now().toString(36)}`;
if (targets.length === 0 || !(duration > 0) || !(connections > 0) || !(skus > 0)) {
  console.error('usage: node http-bench.mjs --silo URL [--gateway URL] [--key KEY] [--duration S] [--connections N] [--skus N] [--out FILE]');
  process.exit(2);
}

// Customers near US metros, where the demo network's nodes are.
const shipTo = [[40.7128, -74.006], [41.8781, -87.6298], [34.0522, -118.2437], [29.7604, -95.3698], [47.6062, -122.3321]];
let next = 0;

function orderBody() {
  const n = next++;
  const [latitude, longitude] = shipTo[n % shipTo.length];
  const sku = `SKU-${String(1 + (n * 7919) % skus).padStart(4, '0')}`;
  return JSON.stringify({
    orderId: `${run}-${n}`, customerId: `cust-${n % 5000}`, channel: 'web',
    shipTo: { latitude, longitude }, lines: [{ sku, quantity: 1 }],
  });
}

function measure(url, request, seconds = duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, ...request }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const ordering = () => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': key },
  requests: [{ setupRequest: (request) => ({ ...request, body: orderBody() }) }],
});

const summary = (result) => ({
  requestsPerSecond: Math.round(result.requests.average),
  requests: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  latencyMs: { mean: result.latency.mean, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
});

const results = {};
let failed = false;
for (const [, base] of targets) {
  if (warmup > 0) {
    const warm = await measure(`${base}/orders`, ordering(), warmup);
    failed ||= warm.non2xx + warm.errors > 0;
  }
}
for (const [name, base] of targets) {
  const health = summary(await measure(`${base}/health`, { method: 'GET' }));
  const orders = summary(await measure(`${base}/orders`, ordering()));
  results[name] = { health, orders, ordersToHealth: +(orders.requestsPerSecond / health.requestsPerSecond).toFixed(4) };
  failed ||= health.non2xx + health.errors + orders.non2xx + orders.errors > 0;
}
if (results.silo && results.gateway) {
  results.gatewayOverheadMsPerOrder = +(results.gateway.orders.latencyMs.mean - results.silo.orders.latencyMs.mean).toFixed(2);
}

console.log(`| target | /health req/s | orders/s | orders / health | order latency mean / p50 / p99 ms | non-2xx, errors |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
for (const [name, r] of Object.entries(results).filter(([, r]) => r.orders)) {
  const l = r.orders.latencyMs;
  console.log(`| ${name} | ${r.health.requestsPerSecond} | ${r.orders.requestsPerSecond} | ${r.ordersToHealth} | ${l.mean.toFixed(2)} / ${l.p50} / ${l.p99} | ${r.health.non2xx + r.orders.non2xx}, ${r.health.errors + r.orders.errors} |`);
}
if (results.gatewayOverheadMsPerOrder !== undefined) {
  console.log(`gateway overhead per order (mean latency through the gateway minus through the silo): ${results.gatewayOverheadMsPerOrder} ms`);
}
console.log(`${connections} connections, ${duration} s per measurement after ${warmup} s of warm-up per target, order ids ${run}-N`);
if (args.out) {
  writeFileSync(args.out, JSON.stringify({ run, connections, duration, ...results }, null, 2));
}
process.exit(failed ? 1 : 0);
