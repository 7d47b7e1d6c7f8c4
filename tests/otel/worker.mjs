// A Node worker that exports its runtime metrics over OTLP/HTTP (JSON) with
// the OpenTelemetry SDK, as a team's service would, while it leaks (or
// not): `node worker.mjs URL INSTANCE_ID (leak|healthy) SECONDS`.
// Exports every 100 ms; the leak keeps a 128 KB array of numbers every
// 20 ms in a module-level array, the healthy worker lets them go.
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { resourceFromAttributes } from '@opentelemetry/resources';

const [url, instance, mode = 'leak', seconds = '4'] = process.argv.slice(2);
const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': 'scraper', 'service.instance.id': instance }),
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url }),
      exportIntervalMillis: 100,
      exportTimeoutMillis: 100,
    }),
  ],
});
const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 50 });
runtime.setMeterProvider(provider);
runtime.enable();

const kept = [];
const work = setInterval(() => {
  const chunk = new Array(16 * 1024).fill(Math.random());
  if (mode === 'leak') kept.push(chunk);
}, 20);
setTimeout(async () => {
  clearInterval(work);
  await provider.forceFlush();
  await provider.shutdown();
  process.exit(0);
}, Number(seconds) * 1000);
