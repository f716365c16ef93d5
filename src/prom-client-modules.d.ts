// prom-client's index also loads Pushgateway (http, https, zlib), the cluster aggregator and
// Summary; importing only the two modules we use keeps them out of the bundle and the cold start.
declare module 'prom-client/lib/registry.js' {
  import type { Registry } from 'prom-client';
  const RegistryClass: typeof Registry;
  export default RegistryClass;
}
declare module 'prom-client/lib/defaultMetrics.js' {
  import type { collectDefaultMetrics } from 'prom-client';
  const collect: typeof collectDefaultMetrics;
  export default collect;
}
