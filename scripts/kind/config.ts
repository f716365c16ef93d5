/** Names and paths of the local kind workflow (paths relative to the repository root). */
import { platformConfig } from '../../stacks/config/environments.js';

export const CLUSTER_NAME = 'hono-api';
/** The kubeconfig context kind creates; every kubectl/helm call names it, never the current context. */
export const KUBE_CONTEXT = `kind-${CLUSTER_NAME}`;
export const CLUSTER_CONFIG = 'kind/cluster.yaml';
/**
 * Where `deploy` synthesises the app-local stack and keeps its Terraform state (git-ignored). The
 * cluster's kubeconfig is exported here too, so a KUBECONFIG list or a missing ~/.kube/config do
 * not matter.
 */
export const DEPLOY_DIR = '.cache/kind';
export const DEPLOY_KUBECONFIG = `${DEPLOY_DIR}/kubeconfig`;
export const DOCKERFILE = 'Dockerfile';

/** `deploy` applies the app-local stack, which deploys the dev environment's app: its release and namespace. */
export const RELEASE = platformConfig.environments.dev.app.releaseName;
export const NAMESPACE = platformConfig.environments.dev.app.namespace;
/** The release name contains the chart name, so the chart's full name (and the Service) is the release name. */
export const SERVICE = RELEASE;
export const SERVICE_PORT = 80;
export const DEFAULT_LOCAL_PORT = 8080;

/**
 * The image `image` builds and loads into the nodes and `deploy` deploys (app-local's default
 * repository, IMAGE_TAG=dev). The chart's pullPolicy IfNotPresent then finds it on the node: a tag
 * other than `latest` is never pulled when present.
 */
export const IMAGE_REPOSITORY = 'hono-api';
export const IMAGE_TAG = 'dev';
export const IMAGE = `${IMAGE_REPOSITORY}:${IMAGE_TAG}`;
/**
 * Podman names a local build `localhost/hono-api:dev`, which the nodes would not match against
 * `hono-api:dev` (that normalises to docker.io/library/hono-api:dev): build under the full name.
 */
export const PODMAN_IMAGE = `docker.io/library/${IMAGE}`;

export const HELM_TEST_TIMEOUT = '2m';
/** How long `kind create cluster` waits for the control plane. */
export const CLUSTER_WAIT = '120s';
