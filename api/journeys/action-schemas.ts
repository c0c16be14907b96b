/**
 * The registered actions in the OpenAPI document: one schema per action node (`Action_<name>`, with
 * the action's params schema), `ActionNode` as their `oneOf` keyed by `action`, and the providers
 * the delivery-report route serves. Read from the channel registry, so a new channel appears here.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ChannelDescriptor } from '../../core/channels/descriptor.js';

/** The component name of one action's node schema. */
export const actionSchemaName = (action: string) => `Action_${action}`;

/** The action node for one descriptor: `action` fixed to its name, `params` its params schema. */
function actionNodeSchema(d: ChannelDescriptor): Record<string, unknown> {
  const templates = d.spec.templateParams.length > 0 ? ` Templates: ${d.spec.templateParams.join(', ')}.` : '';
  return {
    type: 'object',
    description: `${d.spec.description} (${d.kind}; default category ${d.defaultCategory}).${templates}`,
    required: ['id', 'type', 'action', 'params'],
    properties: {
      id: { type: 'string' },
      label: { type: 'string' },
      type: { type: 'string', enum: ['action'] },
      action: { type: 'string', enum: [d.action] },
      category: { type: 'string', enum: ['marketing', 'transactional'], default: d.defaultCategory },
      params: d.spec.paramsSchema,
      onFailure: { type: 'string', enum: ['continue', 'exit'], default: 'continue' },
    },
    'x-channel-kind': d.kind,
    'x-template-params': d.spec.templateParams,
  };
}

/** Adds the registry's actions (and delivery-report providers) to `document`. */
export function describeChannels(document: OpenAPIObject, descriptors: readonly ChannelDescriptor[]): void {
  const schemas = (document.components ??= {}).schemas ??= {};
  const mapping: Record<string, string> = {};
  for (const d of descriptors) {
    schemas[actionSchemaName(d.action)] = actionNodeSchema(d);
    mapping[d.action] = `#/components/schemas/${actionSchemaName(d.action)}`;
  }
  schemas.ActionNode = {
    description: "An action node of a canvas (docs/canvas.md): one schema per registered action, chosen by `action`; `params` is checked against the action's schema at publish.",
    oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'action', mapping },
  };
  const route = document.paths['/v1/providers/{provider}/status']?.post;
  const providers = descriptors.flatMap((d) => (d.deliveryReports ? [d.deliveryReports.name] : []));
  const parameter = route?.parameters?.find((p) => 'name' in p && p.name === 'provider');
  if (parameter && 'schema' in parameter) parameter.schema = { type: 'string', enum: providers };
}
