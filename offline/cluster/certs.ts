/**
 * The local control plane's PKI, made afresh for every cluster with openssl: a CA, the API server's
 * serving certificate (for 127.0.0.1 and the in-cluster names), a client certificate for the admin
 * (group system:masters) and the service-account signing key pair. Nothing is reused between runs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { mustRun, type Run } from '../../scripts/lib/run.js';

export interface Pki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKey: string;
  readonly saPub: string;
  /** The API server's client certificate towards kubelets (logs, exec, port-forward on a real node). */
  readonly kubeletClientCert: string;
  readonly kubeletClientKey: string;
}

const CLIENT_EXTENSIONS = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
const openssl = (run: Run, args: string[]) => mustRun(run, 'openssl', args, { timeoutMs: 60_000 });

/** A client certificate signed by the cluster's CA, e.g. for the kubelet (`/O=system:nodes/CN=system:node:<name>`). */
export async function signClientCert(run: Run, pki: Pick<Pki, 'caCert' | 'caKey'>, dir: string, name: string, subject: string): Promise<{ cert: string; key: string }> {
  const f = (file: string) => path.join(dir, file);
  await openssl(run, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`)]);
  await openssl(run, ['req', '-new', '-key', f(`${name}.key`), '-subj', subject, '-out', f(`${name}.csr`)]);
  writeFileSync(f(`${name}.ext`), CLIENT_EXTENSIONS);
  await openssl(run, ['x509', '-req', '-in', f(`${name}.csr`), '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`)]);
  return { cert: f(`${name}.crt`), key: f(`${name}.key`) };
}

/** The names the API server answers to: loopback, and the kubernetes Service inside the cluster. */
export const API_SERVER_SANS = ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'IP:10.0.0.1'];

export async function makePki(run: Run, dir: string): Promise<Pki> {
  const f = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => mustRun(run, 'openssl', args, { timeoutMs: 60_000 });
  const key = (file: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(file)]);

  await key('ca.key');
  await openssl(['req', '-x509', '-new', '-key', f('ca.key'), '-subj', '/CN=hono-api-local-ca', '-days', '2', '-out', f('ca.crt')]);

  const signed = async (name: string, subject: string, extensions: string) => {
    await key(`${name}.key`);
    await openssl(['req', '-new', '-key', f(`${name}.key`), '-subj', subject, '-out', f(`${name}.csr`)]);
    writeFileSync(f(`${name}.ext`), extensions);
    await openssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`)]);
  };
  await signed('apiserver', '/CN=kube-apiserver', `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${API_SERVER_SANS.join(',')}\n`);
  await signed('admin', '/O=system:masters/CN=admin', CLIENT_EXTENSIONS);
  await signed('apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', CLIENT_EXTENSIONS);

  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f('sa.key')]);
  await openssl(['pkey', '-in', f('sa.key'), '-pubout', '-out', f('sa.pub')]);

  return {
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    serverCert: f('apiserver.crt'),
    serverKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    saKey: f('sa.key'),
    saPub: f('sa.pub'),
    kubeletClientCert: f('apiserver-kubelet-client.crt'),
    kubeletClientKey: f('apiserver-kubelet-client.key'),
  };
}

/** A kubeconfig for the admin, with the certificates inline so it can be copied anywhere. */
export function kubeconfig(server: string, pki: Pki, read: (file: string) => string, name = 'hono-api-local'): string {
  const b64 = (file: string) => Buffer.from(read(file)).toString('base64');
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server, 'certificate-authority-data': b64(pki.caCert) } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) } }],
      contexts: [{ name, context: { cluster: name, user: 'admin' } }],
      'current-context': name,
    },
    null,
    2,
  );
}
