import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * DuckDB's own parser, exposed as `json_serialize_sql`. The instance has no access to
 * files or the network: parsing never executes anything, but defence in depth costs
 * nothing here.
 */
export class DuckDbParser {
  private constructor(private readonly connection: DuckDBConnection) {}

  static async create(): Promise<DuckDbParser> {
    const instance = await DuckDBInstance.create(':memory:', {
      enable_external_access: 'false',
      threads: '1',
      memory_limit: '256MB',
      lock_configuration: 'true',
    });
    return new DuckDbParser(await instance.connect());
  }

  /** The parser's JSON tree for `sql` (may carry `"error": true` with a message). */
  async serialize(sql: string): Promise<unknown> {
    const reader = await this.connection.runAndReadAll(
      'SELECT json_serialize_sql($1::VARCHAR) AS tree',
      [sql],
    );
    const row = reader.getRowObjects()[0];
    const text = row?.['tree'];
    if (typeof text !== 'string') throw new Error('Internal error: json_serialize_sql returned no text');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // DuckDB writes a bare Infinity/NaN for literals such as 1e999, which is not JSON.
      return {
        error: true,
        error_type: 'unsupported',
        error_message: 'the query holds a literal the clean room cannot represent (a number out of range, such as 1e999)',
      };
    }
  }

  close(): void {
    this.connection.closeSync();
  }
}
