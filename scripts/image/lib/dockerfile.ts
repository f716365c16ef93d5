/** The Dockerfile's two base images, read from its ARG defaults. */
export interface DockerfileBases {
  buildImage: string;
  runtimeImage: string;
}

/**
 * The images behind the defaults of `ARG BUILD_IMAGE=…` and `ARG RUNTIME_IMAGE=…` in a Dockerfile.
 * A default may name a stage (`FROM <image> AS public-build-base`, the form Dependabot can bump);
 * then the stage's image is returned.
 */
export function parseDockerfileBases(dockerfile: string): DockerfileBases {
  const arg = (name: string): string => {
    const m = new RegExp(`^\\s*ARG\\s+${name}=(\\S+)\\s*$`, 'm').exec(dockerfile);
    if (!m?.[1]) throw new Error(`the Dockerfile has no "ARG ${name}=<image>" default`);
    const value = m[1].replace(/^["']|["']$/g, '');
    const stage = new RegExp(`^\\s*FROM\\s+(\\S+)\\s+AS\\s+${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'im').exec(dockerfile);
    return stage?.[1] ?? value;
  };
  return { buildImage: arg('BUILD_IMAGE'), runtimeImage: arg('RUNTIME_IMAGE') };
}
