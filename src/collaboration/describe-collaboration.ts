import type { Kysely } from 'kysely';
import type { Database } from '../metadata/schema.ts';
import { ruleToDocument } from '../rules/rule-document.ts';
import { listAssociations } from './associations.ts';
import { findCollaboration, memberships, requireMembership, type CollaborationMembership } from './collaborations.ts';

export interface CollaborationDescription {
  readonly name: string;
  readonly creator: string;
  readonly queryLogs: boolean;
  readonly members: readonly CollaborationMembership[];
  /** Schemas and rules of every associated table: never data, never statistics. */
  readonly tables: readonly {
    readonly name: string;
    readonly owner: string;
    readonly columns: readonly { readonly name: string; readonly type: string }[];
    readonly ruleKind: string;
    readonly rule: unknown;
    readonly receivers?: readonly string[];
    /** The configured table behind the association: only on the viewer's own tables. */
    readonly table?: string;
  }[];
}

export async function describeCollaboration(
  db: Kysely<Database>,
  name: string,
  viewer: string,
): Promise<CollaborationDescription> {
  const collaboration = await findCollaboration(db, name);
  await requireMembership(db, collaboration, viewer, false);
  const associations = await listAssociations(db, collaboration.id);
  return {
    name: collaboration.name,
    creator: collaboration.creator,
    queryLogs: collaboration.queryLogs,
    members: await memberships(db, collaboration.id),
    tables: associations.map((a) => ({
      name: a.sqlName,
      owner: a.member,
      columns: a.table.columns.map((c) => ({ name: c.name, type: c.type })),
      ruleKind: a.table.rule.kind,
      rule: ruleToDocument(a.table.rule),
      ...(a.receivers ? { receivers: a.receivers } : {}),
      ...(a.member === viewer ? { table: a.table.name } : {}),
    })),
  };
}
