/**
 * Every service serves Prometheus metrics on /metrics and a liveness/readiness probe on /healthz,
 * from one small HTTP server. prom-client's registry is per service so tests can run several.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

export interface Telemetry {
  registry: Registry;
  /** Set by the service: false while it cannot do its job (e.g. not connected). */
  setHealthy(ok: boolean, reason?: string): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function createTelemetry(service: string): Telemetry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  let healthy = false;
  let reason = 'starting';
  let server: Server | null = null;
  return {
    registry,
    setHealthy(ok, why) {
      healthy = ok;
      reason = why ?? (ok ? 'ok' : 'unhealthy');
    },
    listen(port, host = '127.0.0.1') {
      server = createServer((req, res) => {
        if (req.url === '/metrics') {
          registry
            .metrics()
            .then((body) => {
              res.writeHead(200, { 'content-type': registry.contentType });
              res.end(body);
            })
            .catch((err: Error) => {
              res.writeHead(500);
              res.end(err.message);
            });
        } else if (req.url === '/healthz') {
          res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ service, healthy, reason }));
        } else {
          res.writeHead(404);
          res.end();
        }
      });
      return new Promise((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => {
          const addr = server!.address();
          resolve(typeof addr === 'object' && addr ? addr.port : port);
        });
      });
    },
    close() {
      return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
