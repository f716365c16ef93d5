/**
 * The exact provider versions every stack pins, and the aspect that writes them.
 *
 * The CDKTF bindings (@cdktf/provider-*, no longer published since CDKTF was retired) were
 * generated for older releases: helm 3.1.1, kubernetes 2.38.0 and random 3.7.2. The stacks pin the
 * newer releases below instead, the ones the offline toolchain can build (tools/versions.json holds
 * the same versions); what the bindings write is valid for them, and the suite proves it by running
 * `terraform validate` on every stack against exactly these binaries. The stacks use only the `_v1`
 * Kubernetes resources, which kubernetes 3.x keeps (it deprecates the unversioned ones).
 *
 * A provider without an entry here fails synth: an unpinned provider would be resolved to whatever
 * the registry serves on the day of the deploy, so what is applied would not be what was reviewed.
 */
import { type IAspect, TerraformProvider, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';

export const PROVIDER_VERSIONS: Readonly<Record<string, string>> = {
  aws: '5.100.0',
  helm: '3.2.0',
  kubernetes: '3.2.1',
  random: '3.9.0',
};

/**
 * The Terraform versions every stack accepts: S3-native state locking (`use_lockfile`) needs 1.10;
 * 2.x may change the language. The toolchain, the workflows (tools/versions.json) and `ops doctor`
 * use this floor; a version outside it stops `terraform init` with Terraform's own message.
 */
export const TERRAFORM_MINIMUM = '1.10.0';
export const TERRAFORM_REQUIRED_VERSION = `>= ${TERRAFORM_MINIMUM}, < 2.0.0`;

export class ProviderVersionAspect implements IAspect {
  constructor(private readonly versions: Readonly<Record<string, string>> = PROVIDER_VERSIONS) {}

  visit(node: IConstruct): void {
    if (node instanceof TerraformStack) node.addOverride('terraform.required_version', TERRAFORM_REQUIRED_VERSION);
    if (!(node instanceof TerraformProvider)) return;
    const name = node.terraformResourceType;
    const version = this.versions[name];
    if (!version)
      throw new Error(`${node.node.path}: provider "${name}" has no pinned version (fix: add it to PROVIDER_VERSIONS in stacks/constructs/provider-versions.ts and to tools/versions.json)`);
    TerraformStack.of(node).addOverride(`terraform.required_providers.${name}.version`, version);
  }
}
