// Drive one scenario with autocannon and print its figures as one JSON line.
//
// Reads a JSON spec on standard input:
//   {"url": "http://127.0.0.1:PORT", "connections": 10, "duration": 10, "amount": 0,
//    "requests": [{"method": "GET", "path": "/", "headers": {...}, "body": "..."}],
//    "rotate": false}
// With "rotate": false the first request is sent again and again for "duration" seconds.
// With "rotate": true each request of the list is sent exactly once, in order, across all
// connections (e.g. each support by a different resident), and the run ends when all are sent.
// Only loopback URLs are accepted: this is a benchmark of a local server.
"use strict";

const autocannon = require("autocannon");

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (data += chunk));
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", reject);
  });
}

function options(spec) {
  const host = new URL(spec.url).hostname;
  if (!["127.0.0.1", "localhost", "[::1]"].includes(host)) {
    throw new Error(`refusing to load ${spec.url}: loopback only`);
  }
  const base = {
    url: spec.url,
    connections: spec.connections || 10,
    timeout: 30,
  };
  if (!spec.rotate) {
    return { ...base, duration: spec.duration || 10, requests: [spec.requests[0]] };
  }
  let next = 0;
  const list = spec.requests;
  return {
    ...base,
    amount: list.length,
    requests: [
      {
        setupRequest: (request) => {
          const item = list[next % list.length];
          next += 1;
          return { ...request, ...item };
        },
      },
    ],
  };
}

async function main() {
  const spec = JSON.parse(await readStdin());
  const result = await autocannon(options(spec));
  const statuses = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats || {})) {
    statuses[code] = stats.count;
  }
  const latency = result.latency;
  process.stdout.write(
    JSON.stringify({
      requests: result.requests.total,
      seconds: result.duration,
      rps: result.requests.total / result.duration,
      p50: latency.p50,
      p90: latency.p90,
      p99: latency.p99,
      mean: latency.average,
      max: latency.max,
      statuses,
      errors: result.errors,
      timeouts: result.timeouts,
      bytes_per_request: result.requests.total ? result.throughput.total / result.requests.total : 0,
    }) + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
