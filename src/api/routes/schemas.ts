/** JSON schemas shared by routes (validated by Fastify, published in /openapi.json). */
export const nameSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const memberParams = {
  type: 'object',
  required: ['member'],
  properties: { member: nameSchema },
} as const;

export const collaborationParams = {
  type: 'object',
  required: ['collaboration'],
  properties: { collaboration: nameSchema },
} as const;

export const waitQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'integer', minimum: 0, maximum: 60, description: 'seconds to wait for the query to finish (long-poll)' } },
} as const;

export const stringList = { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 256 } as const;

export const deliverySchema = {
  normalize: { ...stringList, description: 'list results: output columns to trim and lowercase on delivery' },
  hash: { ...stringList, description: 'list results: output columns to deliver as hex SHA-256' },
} as const;

export const dpSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxGroupsPerUser: { type: 'integer', minimum: 1, maximum: 1000 },
    maxRowsPerGroup: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;
