/** Names and paths of the local kind workflow (paths relative to the repository root). */

export const CLUSTER_NAME = 'hono-api';
/** The kubeconfig context kind creates; every kubectl/helm call names it, never the current context. */
export const KUBE_CONTEXT = `kind-${CLUSTER_NAME}`;
export const CLUSTER_CONFIG = 'kind/cluster.yaml';
export const VALUES_FILE = 'kind/values.yaml';
export const CHART_PATH = 'helm/hono-api';
export const DOCKERFILE = 'Dockerfile';

export const RELEASE = 'hono-api';
/** The release name contains the chart name, so the chart's full name (and the Service) is the release name. */
export const SERVICE = RELEASE;
export const SERVICE_PORT = 80;
export const DEFAULT_LOCAL_PORT = 8080;

/** The image tag kind/values.yaml deploys (repository hono-api, tag dev, pullPolicy Never). */
export const IMAGE = 'hono-api:dev';
/**
 * Podman names a local build `localhost/hono-api:dev`, which the nodes would not match against
 * `hono-api:dev` (that normalises to docker.io/library/hono-api:dev): build under the full name.
 */
export const PODMAN_IMAGE = `docker.io/library/${IMAGE}`;

export const HELM_TIMEOUT = '5m';
export const HELM_TEST_TIMEOUT = '2m';
/** How long `kind create cluster` waits for the control plane. */
export const CLUSTER_WAIT = '120s';
