import type { Analysis } from '../analysis.ts';

/**
 * Activation: the list of identifiers, delivered to an ad platform, of the people in
 * the overlap of its audience and the brand's customers that match criteria on the
 * brand's list columns.
 *
 * A list-rule query (RULES.md "List rule"): SELECT DISTINCT of a list column over an
 * INNER join on the join column, WHERE on list columns compared with the (bound)
 * parameter values; no function, aggregate, subquery, GROUP BY or ORDER BY.
 *
 * It never delivers an identifier outside the overlap: the only output is
 * `i.email_address`, a value of the platform's own impressions table, and the INNER
 * join keeps only the rows whose value equals a brand customer's `email_address`. A
 * brand customer the platform has never served cannot appear (no impressions row), and
 * a platform user who is not a customer cannot either (no customers row).
 */
const SQL = `SELECT DISTINCT i.email_address AS email_address
FROM {{customers}} c
INNER JOIN {{impressions}} i ON c.email_address = i.email_address
WHERE c.status = :status AND c.date_created >= :created_since`;

const OUTPUT = [
  {
    name: 'email_address',
    description:
      "Identifier of a person in the overlap matching the criteria, as the platform's table spells it (one row each). " +
      'Normalised and hashed on delivery with `--hash sha256`.',
  },
] as const;

export const segmentExport: Analysis = {
  name: 'segment-export',
  category: 'activation',
  question: "Which people the platform already reaches are brand customers with a given status (and signed up since a date), for targeting?",
  documentation: `A list-rule query delivered to the ad platform: the identifiers of its own audience
(people in \`impressions\`) who are brand customers with \`status\` and \`date_created >= created_since\`.
The platform learns which of its users match the criteria, nothing about brand customers it
does not already have. Identifiers can be normalised (trim, lowercase) and SHA-256 hashed on
delivery (\`--hash sha256\`); that happens after the query, not in the SQL.

Caveats: the join matches identifiers exactly as stored (normalise before ingest); customers
without date_created never match; the owners' minimumListSize applies. See
docs/insights-planning.md.`,
  tables: ['customers', 'impressions'],
  columns: {
    customers: ['email_address', 'status', 'date_created'],
    impressions: ['email_address'],
  },
  parameters: [
    {
      name: 'status',
      type: 'VARCHAR',
      default: 'active',
      allowed: ['active', 'inactive', 'churned', 'pending'],
      description: 'Customer status to export.',
    },
    {
      name: 'created_since',
      type: 'DATE',
      default: '1900-01-01',
      description: 'Only customers whose account was created on or after this date (customers without a date are excluded).',
    },
  ],
  sql: SQL,
  sqlOutput: OUTPUT,
  output: OUTPUT,
  rule: 'list',
};
