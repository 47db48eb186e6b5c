import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { AssociationView, CollaborationMemberSpec, CollaborationRow, CollaborationView } from './types.ts';

export interface NewCollaboration {
  readonly name: string;
  /** Every member with its abilities, the creator (the caller) included. */
  readonly members: readonly CollaborationMemberSpec[];
  readonly queryLogs?: boolean;
  readonly differenceChecks?: boolean;
}

/** Collaborations: members and abilities, settings, associations. */
export class CollaborationsApi {
  constructor(private readonly http: Http) {}

  /** POST /v1/collaborations */
  create(collaboration: NewCollaboration): Promise<CollaborationRow> {
    return this.http.json('POST', '/v1/collaborations', { json: collaboration });
  }

  /** GET /v1/collaborations */
  list(): Promise<CollaborationRow[]> {
    return this.http.json('GET', '/v1/collaborations');
  }

  /** GET /v1/collaborations/{c}: members, abilities, schemas and rules (never data). */
  show(collaboration: string): Promise<CollaborationView> {
    return this.http.json('GET', `/v1/collaborations/${seg(collaboration)}`);
  }

  /** PATCH /v1/collaborations/{c}: difference checks can be turned on, never off. */
  enableDifferenceChecks(collaboration: string): Promise<CollaborationRow> {
    return this.http.json('PATCH', `/v1/collaborations/${seg(collaboration)}`, { json: { differenceChecks: true } });
  }

  /** POST /v1/collaborations/{c}/accept */
  accept(collaboration: string): Promise<{ collaboration: string; accepted: true }> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/accept`);
  }

  /** POST /v1/collaborations/{c}/leave */
  leave(collaboration: string): Promise<{ collaboration: string; left: true }> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/leave`);
  }

  /** DELETE /v1/collaborations/{c} (the creator) */
  delete(collaboration: string): Promise<{ deleted: string }> {
    return this.http.json('DELETE', `/v1/collaborations/${seg(collaboration)}`);
  }

  /** POST /v1/collaborations/{c}/associations: your table under an SQL name. */
  associate(collaboration: string, association: { readonly table: string; readonly name?: string; readonly receivers?: readonly string[] }): Promise<AssociationView> {
    return this.http.json('POST', `/v1/collaborations/${seg(collaboration)}/associations`, { json: association });
  }

  /** DELETE /v1/collaborations/{c}/associations/{name} */
  disassociate(collaboration: string, name: string): Promise<{ removed: string }> {
    return this.http.json('DELETE', `/v1/collaborations/${seg(collaboration)}/associations/${seg(name)}`);
  }
}
