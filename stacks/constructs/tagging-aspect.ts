/**
 * Adds the standard tags to every taggable resource. Tags a resource sets itself (Name, the
 * Kubernetes subnet roles) are kept; the standard keys always win so cost reports stay honest.
 *
 * Only managed resources are tagged, never data sources: on lookups such as aws_vpc and
 * aws_subnets `tags` is a filter, so tagging them would make the cluster stack find its network
 * only while every tag value still matches (a tag change would break its plan until the network
 * stack was applied).
 */
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { type IAspect, TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';

interface Taggable {
  tags: Record<string, string> | undefined;
  readonly tagsInput: Record<string, string> | undefined;
}

const isTaggable = (node: IConstruct): node is TerraformResource & Taggable => node instanceof TerraformResource && 'tagsInput' in node && 'tags' in node;

export class TaggingAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!isTaggable(node)) return;
    node.tags = { ...node.tagsInput, ...this.tags };
    // Instances, volumes and interfaces launched from a template get their tags from its tag
    // specifications, not from the template's own tags: cost reports need them there too.
    if (node instanceof LaunchTemplate && Array.isArray(node.tagSpecificationsInput))
      node.putTagSpecifications(node.tagSpecificationsInput.map((spec) => ({ ...spec, tags: { ...spec.tags, ...this.tags } })));
  }
}

/** The tag naming a resource's environment; the deploy roles' confinement keys on it (ci-role-policies.ts). */
export const ENVIRONMENT_TAG = 'environment';

export function standardTags(project: string, environment: string, repository: string, extra: Record<string, string> = {}) {
  return { ...extra, project, [ENVIRONMENT_TAG]: environment, 'managed-by': 'cdktf', repository };
}
