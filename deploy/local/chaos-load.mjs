// HTTP order load for deploy/local/chaos.sh: closed-loop workers POST /orders round-robin over the
// silos' HTTP APIs until SIGTERM (or SIGINT), then settle every order whose outcome is unknown by
// submitting it again under the same id (submission is idempotent) until an answer comes back.
//
//   node chaos-load.mjs --urls http://localhost:5411,http://localhost:5412 --key KEY --skus 40 \
//        --concurrency 12 --run RUNID --out DIR
//
// Writes DIR/accepted.txt (ids the grid acknowledged: 201 Created, or 200 for a replay) and
// DIR/load.json (counts), and prints the counts. An order is "accepted" only on an acknowledgement;
// a failure (connection refused, timeout, 5xx) leaves it unknown until a resubmission answers.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs, []));
const urls = (args.urls ?? '').split(',').filter(Boolean);
const key = args.key ?? 'dev-storefront-key';
const skus = Number(args.skus ?? 40);
const concurrency = Number(args.concurrency ?? 12);
const run = args.run ?? `chaos${Date.now()}`;
const out = args.out ?? '.';
const settleSeconds = Number(args['settle-seconds'] ?? 120);
if (urls.length === 0 || !(skus > 0) || !(concurrency > 0)) {
  console.error('usage: node chaos-load.mjs --urls URL[,URL...] [--key KEY] [--skus N] [--concurrency N] [--run ID] [--out DIR]');
  process.exit(2);
}

// US ship-to points (the synthetic network's nodes are at US metros).
const shipTo = [[40.7128, -74.006], [41.8781, -87.6298], [34.0522, -118.2437], [29.7604, -95.3698], [33.4484, -112.074], [47.6062, -122.3321]];
const counts = { submitted: 0, accepted: 0, rejected: 0, failures: 0, unknownAtStop: 0, settledAccepted: 0, settledRejected: 0, stillUnknown: 0 };
const accepted = [];
const unknown = new Map(); // order id -> body
let stopping = false;
let next = 0;

process.on('SIGTERM', () => { stopping = true; });
process.on('SIGINT', () => { stopping = true; });

function order(n) {
  const id = `${run}-${n}`;
  const [lat, lon] = shipTo[n % shipTo.length];
  const sku = `LT-${String(1 + ((n * 7919) % skus)).padStart(5, '0')}`;
  return { id, body: JSON.stringify({ orderId: id, customerId: `c${n % 97}`, channel: 'web', shipTo: { latitude: lat, longitude: lon }, lines: [{ sku, quantity: 1 + (n % 3) }] }) };
}

/** 'accepted' | 'rejected' | 'unknown' */
async function submit(url, body) {
  try {
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    if (response.status === 201 || response.status === 200) return 'accepted';
    if (response.status === 400 || response.status === 409 || response.status === 422) return 'rejected';
    return 'unknown'; // 429, 5xx (the silo could not reach the grain or storage): the outcome is not known
  } catch {
    return 'unknown'; // refused, reset, timed out
  }
}

async function worker(w) {
  while (!stopping) {
    const n = next++;
    const { id, body } = order(n);
    counts.submitted++;
    // One more silo on a failure right away (the order id makes it safe), then leave it unknown.
    let outcome = await submit(urls[n % urls.length], body);
    if (outcome === 'unknown') {
      counts.failures++;
      outcome = await submit(urls[(n + 1) % urls.length], body);
    }
    if (outcome === 'accepted') { counts.accepted++; accepted.push(id); }
    else if (outcome === 'rejected') { counts.rejected++; }
    else { unknown.set(id, body); await new Promise((r) => setTimeout(r, 200 + 50 * w)); }
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
const loadSeconds = (Date.now() - started) / 1000;
counts.unknownAtStop = unknown.size;

// Settle: ask again under the same id until every unknown order has an answer (or time runs out).
const deadline = Date.now() + settleSeconds * 1000;
while (unknown.size > 0 && Date.now() < deadline) {
  for (const [id, body] of [...unknown]) {
    const outcome = await submit(urls[Math.floor(Math.random() * urls.length)], body);
    if (outcome === 'accepted') { counts.settledAccepted++; accepted.push(id); unknown.delete(id); }
    else if (outcome === 'rejected') { counts.settledRejected++; unknown.delete(id); }
  }
  if (unknown.size > 0) await new Promise((r) => setTimeout(r, 1000));
}
counts.stillUnknown = unknown.size;
counts.acceptedTotal = accepted.length;
counts.loadSeconds = Math.round(loadSeconds * 10) / 10;

writeFileSync(join(out, 'accepted.txt'), accepted.join('\n') + (accepted.length ? '\n' : ''));
writeFileSync(join(out, 'unknown.txt'), [...unknown.keys()].join('\n') + (unknown.size ? '\n' : ''));
writeFileSync(join(out, 'load.json'), JSON.stringify(counts, null, 2) + '\n');
console.log(`load: ${counts.submitted} submitted in ${counts.loadSeconds} s, ${counts.accepted} acknowledged, ${counts.rejected} rejected, ` +
  `${counts.failures} failed attempts, ${counts.unknownAtStop} unknown at stop -> ${counts.settledAccepted} acknowledged on resubmission, ` +
  `${counts.settledRejected} rejected, ${counts.stillUnknown} still unknown`);
