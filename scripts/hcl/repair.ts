/**
 * Repairs what CDKTF 0.21's HCL renderer gets wrong, so `cdktf synth --hcl` output is a Terraform
 * configuration a team can take over. CDKTF is archived (hashicorp/terraform-cdk, 2025-12-10), so
 * the renderer will not be fixed upstream. Each defect below was found by `terraform validate` on
 * this repository's stacks (__tests__/scripts/export-hcl.test.ts); the renderer is
 * node_modules/cdktf/lib/hcl/render.js.
 *
 * 1. The `terraform` block's attributes other than `required_providers`, `backend` and `cloud`
 *    are rendered from the list of their names (`Object.keys(...)` passed to
 *    renderSimpleAttributes), so `required_version = ">= 1.10.0, < 2.0.0"` comes out as
 *    `0 = "required_version"`, which Terraform refuses. Each is put back with its value.
 * 2. `lifecycle` conditions come out as an argument holding a list of objects
 *    (`postcondition = [{ condition = …, error_message = … },]`), where Terraform wants one
 *    `postcondition { … }` block per condition ("An argument named "postcondition" is not expected
 *    here"). Rewritten as blocks.
 * 3. `depends_on` and `ignore_changes` list quoted references (`"aws_iam_role.x"`,
 *    `"scaling_config[0].desired_size"`), which Terraform accepts with a deprecation warning for
 *    each ("Quoted references are deprecated"). Unquoted.
 * 4. Nested attributes are rendered as blocks: the helm provider 3.x (plugin framework) takes
 *    `kubernetes = { … exec = { … } }`, and Terraform refuses `kubernetes { … }` ("Unsupported
 *    block type"). Rewritten as attributes inside `provider "helm"` (the only place the stacks
 *    write one).
 * 5. Top-level `ephemeral` blocks (Terraform 1.10) are left out altogether, so a reference to
 *    `ephemeral.random_password.x` is to an undeclared resource. They are rendered from the stack's
 *    JSON synthesis (renderEphemeralBlocks).
 *
 * Scope: what CDKTF renders for these stacks: multi-line lists, conditions whose strings hold no
 * unbalanced braces, the helm provider's `kubernetes` and `exec`. Anything else Terraform refuses
 * in `terraform validate`, which the suite runs on the result.
 */

/** The terraform-block attributes the stacks set (stacks/constructs/provider-versions.ts), by name. */
export type TerraformSettings = Readonly<Record<string, string>>;

export class HclRepairError extends Error {
  override name = 'HclRepairError';
}

const MANGLED_ATTRIBUTE = /^(\s*)\d+ = "([A-Za-z_][A-Za-z0-9_]*)"$/;
const CONDITION_LIST = /^(\s*)(precondition|postcondition)\s*=\s*\[$/;
/** A reference or attribute path in quotes, alone on its line: `"aws_x.y",`, `"scaling_config[0].desired_size"`. */
const QUOTED_REFERENCE = /^(\s*)"([A-Za-z_][\w-]*(?:\[\d+\])?(?:\.[A-Za-z_][\w-]*(?:\[\d+\])?)*)"(,?)$/;
const REFERENCE_LIST = /^\s*(depends_on|ignore_changes|replace_triggered_by)\s*=\s*\[$/;
/** Blocks of a provider that its schema declares as nested attributes. */
const NESTED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = { helm: ['kubernetes', 'exec'] };

const braces = (line: string) => (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;

/** Defect 1: the terraform block's `N = "name"` lines, with each value from `settings`. */
export function repairTerraformBlock(hcl: string, settings: TerraformSettings): string {
  let depth = 0;
  let inTerraform = false;
  return hcl
    .split('\n')
    .map((line) => {
      if (depth === 0 && /^terraform\s*\{\s*$/.test(line)) inTerraform = true;
      const mangled = inTerraform && depth === 1 ? MANGLED_ATTRIBUTE.exec(line) : null;
      depth += braces(line);
      if (depth === 0) inTerraform = false;
      if (!mangled) return line;
      const [, indent, name] = mangled as unknown as [string, string, string];
      const value = settings[name];
      if (value === undefined)
        throw new HclRepairError(`the terraform block sets "${name}", whose value the HCL renderer dropped and this repair does not know (fix: add it to the settings passed to repairTerraformBlock)`);
      return `${indent}${name} = ${JSON.stringify(value)}`;
    })
    .join('\n');
}

/** Defect 2: `postcondition = [ { … }, … ]` as one `postcondition { … }` block per element. */
export function repairLifecycleConditions(hcl: string): string {
  const out: string[] = [];
  const lines = hcl.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const list = CONDITION_LIST.exec(lines[i]!);
    if (!list) {
      out.push(lines[i]!);
      continue;
    }
    const [, indent, kind] = list as unknown as [string, string, string];
    // Elements are `{` … `},` lines; the list ends at its `]` (the renderer does not indent
    // consistently, so lines are read by their content; terraform fmt indents afterwards).
    let depth = 0;
    for (i++; i < lines.length && !(depth === 0 && lines[i]!.trim() === ']'); i++) {
      const line = lines[i]!;
      const trimmed = line.trim();
      if (depth === 0 && trimmed === '{') out.push(`${indent}${kind} {`);
      else if (depth === 1 && (trimmed === '},' || trimmed === '}')) out.push(`${indent}}`);
      else out.push(line);
      depth += braces(line);
    }
    if (i === lines.length) throw new HclRepairError(`an unterminated ${kind} list in the rendered HCL (line ${out.length + 1})`);
  }
  return out.join('\n');
}

/** Defect 3: the references of every multi-line `depends_on`, `ignore_changes` or `replace_triggered_by` list, unquoted. */
export function repairReferenceLists(hcl: string): string {
  let inList = false;
  return hcl
    .split('\n')
    .map((line) => {
      if (REFERENCE_LIST.test(line)) inList = true;
      else if (inList && line.trim() === ']') inList = false;
      else if (inList) {
        const quoted = QUOTED_REFERENCE.exec(line);
        if (quoted) return `${quoted[1]}${quoted[2]}${quoted[3]}`;
      }
      return line;
    })
    .join('\n');
}

/** Defect 4: `name {` as `name = {` for the nested attributes of the providers in NESTED_ATTRIBUTES. */
export function repairNestedAttributes(hcl: string): string {
  let depth = 0;
  let provider: string | undefined;
  return hcl
    .split('\n')
    .map((line) => {
      if (depth === 0) provider = /^provider "([\w-]+)" \{$/.exec(line)?.[1];
      const block = provider && depth > 0 ? /^(\s*)([\w-]+) \{$/.exec(line) : null;
      depth += braces(line);
      if (depth === 0) provider = undefined;
      return block && NESTED_ATTRIBUTES[provider!]?.includes(block[2]!) ? `${block[1]}${block[2]} = {` : line;
    })
    .join('\n');
}

/** Every repair, in order. */
export const repairHcl = (hcl: string, settings: TerraformSettings): string =>
  repairNestedAttributes(repairReferenceLists(repairLifecycleConditions(repairTerraformBlock(hcl, settings))));

/** Defect 5: the `ephemeral` section of a stack's JSON (`{type: {name: {attr: scalar}}}`) as HCL blocks. */
export function renderEphemeralBlocks(ephemeral: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>> | undefined): string {
  const blocks: string[] = [];
  for (const [type, byName] of Object.entries(ephemeral ?? {}))
    for (const [name, attrs] of Object.entries(byName)) {
      const lines = Object.entries(attrs).map(([key, value]) => {
        if (value !== null && typeof value === 'object') throw new HclRepairError(`ephemeral.${type}.${name}.${key}: only scalar arguments are rendered (extend renderEphemeralBlocks)`);
        return `  ${key} = ${JSON.stringify(value)}`;
      });
      blocks.push(`ephemeral "${type}" "${name}" {\n${lines.join('\n')}\n}\n`);
    }
  return blocks.join('\n');
}
