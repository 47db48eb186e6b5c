import type { Http } from './http.ts';
import { seg } from './http.ts';
import type { ApiKeyInfo, CreatedApiKey, Me, MemberInfo } from './types.ts';

/** Who a key speaks for, members (administrator) and API keys. */
export class MembersApi {
  constructor(private readonly http: Http) {}

  /** GET /v1/me */
  me(): Promise<Me> {
    return this.http.json('GET', '/v1/me');
  }

  /** POST /v1/members (administrator) */
  create(name: string): Promise<MemberInfo> {
    return this.http.json('POST', '/v1/members', { json: { name } });
  }

  /** GET /v1/members (administrator) */
  list(): Promise<MemberInfo[]> {
    return this.http.json('GET', '/v1/members');
  }
}

export class KeysApi {
  constructor(private readonly http: Http) {}

  /** POST /v1/members/{member}/keys: the token is in the answer, once. */
  create(member: string, label?: string): Promise<CreatedApiKey> {
    return this.http.json('POST', `/v1/members/${seg(member)}/keys`, { json: label === undefined ? {} : { label } });
  }

  /** GET /v1/members/{member}/keys */
  list(member: string): Promise<ApiKeyInfo[]> {
    return this.http.json('GET', `/v1/members/${seg(member)}/keys`);
  }

  /** DELETE /v1/keys/{id} */
  revoke(id: string): Promise<ApiKeyInfo> {
    return this.http.json('DELETE', `/v1/keys/${seg(id)}`);
  }
}
