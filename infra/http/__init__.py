"""The HTTP kit of the dashboard and the gateway (aiohttp): one way to build, serve, answer errors and measure.

- `app.web_app`: the application with the middleware every service has (metrics outermost, then problems);
  `app.health_handler` for the health endpoints.
- `problems`: error bodies as RFC 9457 problem details (`application/problem+json`).
- `server`: binding a port with a one-line error when it is taken, serving until a signal, or serving from a
  background thread (tests, benchmarks).
- `openapi`: JSON Schemas generated from the Avro contract, and the pieces both OpenAPI documents share.
- `metrics`: the request metrics middleware and the `/metrics` handler.
- `ports`: the port settings and `PortInUse` (no aiohttp: the worker's metrics server uses it too).
"""
