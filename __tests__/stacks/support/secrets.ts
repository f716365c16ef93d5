/**
 * Where a secret would sit at rest in Terraform's files: the synthesised configuration (a resource
 * whose result or arguments Terraform keeps in the plan and state) and state files themselves.
 * Used on every stack and on the state files of the emulated bootstrap.
 */
import type { TfJson } from './tfjson.js';

/** Resources whose whole point is a secret value Terraform then stores (use the ephemeral forms). */
export const SECRET_RESOURCES = ['random_password', 'random_bytes', 'tls_private_key'] as const;

/** Arguments that hold a secret Terraform stores; each has a write-only form (`…_wo`) that it does not. */
const STORED_SECRET_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  kubernetes_secret_v1: ['data', 'binary_data'],
  kubernetes_secret: ['data', 'binary_data'],
  aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
  aws_ssm_parameter: ['value'],
  helm_release: ['set_sensitive'],
};

/** Each place in a synthesised stack where a secret would be written to the plan or the state. */
export function secretsInConfiguration(stack: TfJson): string[] {
  const found: string[] = [];
  for (const [type, byName] of Object.entries(stack.resource ?? {}))
    for (const [name, attrs] of Object.entries(byName as Record<string, Record<string, unknown>>)) {
      if ((SECRET_RESOURCES as readonly string[]).includes(type)) found.push(`${type}.${name}: its result is stored in state (use ephemeral "${type}")`);
      for (const arg of STORED_SECRET_ARGUMENTS[type] ?? [])
        if (attrs[arg] !== undefined && !(type === 'aws_ssm_parameter' && attrs.type !== 'SecureString'))
          found.push(`${type}.${name}.${arg}: stored in state (use ${arg}_wo with a revision)`);
    }
  return found;
}

interface StateFile {
  readonly resources?: readonly { readonly type: string; readonly name: string; readonly instances?: readonly { readonly attributes?: Record<string, unknown>; readonly sensitive_attributes?: readonly unknown[] }[] }[];
}

const SECRET_ATTRIBUTE = /(^|_)(password|secret|token|private_key|result|data|binary_data|value)$/;

/** Each secret value a state file holds: a secret resource's result, or a non-empty sensitive attribute. */
export function secretsInState(state: StateFile): string[] {
  const found: string[] = [];
  for (const r of state.resources ?? [])
    for (const instance of r.instances ?? []) {
      const attrs = instance.attributes ?? {};
      if ((SECRET_RESOURCES as readonly string[]).includes(r.type)) found.push(`${r.type}.${r.name}: holds its generated secret`);
      for (const path of instance.sensitive_attributes ?? []) {
        const steps = (Array.isArray(path) ? path : []) as { value?: string }[];
        const key = steps[0]?.value;
        const value = key === undefined ? undefined : attrs[key];
        if (key !== undefined && SECRET_ATTRIBUTE.test(key) && value !== null && value !== undefined && value !== '' && !(typeof value === 'object' && Object.keys(value).length === 0))
          found.push(`${r.type}.${r.name}.${key}: a sensitive value in state`);
      }
    }
  return [...new Set(found)];
}
