// The accessors live beside the operator CLI, which reads synthesised stacks too.
export * from '../../../scripts/lib/tfjson.js';
