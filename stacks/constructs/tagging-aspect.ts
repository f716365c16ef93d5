/**
 * Adds the standard tags to every taggable resource. Tags a resource sets itself (Name, the
 * Kubernetes subnet roles) are kept; the standard keys always win so cost reports stay honest.
 */
import type { IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';

interface Taggable {
  tags: Record<string, string> | undefined;
  readonly tagsInput: Record<string, string> | undefined;
}

const isTaggable = (node: IConstruct): node is IConstruct & Taggable => 'tagsInput' in node && 'tags' in node;

export class TaggingAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!isTaggable(node)) return;
    node.tags = { ...node.tagsInput, ...this.tags };
  }
}

export function standardTags(project: string, environment: string, repository: string, extra: Record<string, string> = {}) {
  return { ...extra, project, environment, 'managed-by': 'cdktf', repository };
}
