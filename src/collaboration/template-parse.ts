import type { Query } from '../sql/ast.ts';
import { convertParsed } from '../sql/convert.ts';
import { refuse, type Result } from '../sql/diagnostic.ts';
import { translateParameters } from '../sql/template-text.ts';
import type { Workspace } from './workspace.ts';

/**
 * Template SQL -> clean-room AST: `:name` parameters become `$name` for DuckDB's parser
 * (outside strings and comments, never touching `::` casts), then the usual closed
 * conversion. The parameters stay Parameter nodes until bound as typed values.
 */
export async function parseTemplateSql(workspace: Workspace, sql: string): Promise<Result<Query>> {
  const translated = translateParameters(sql);
  if (!translated.ok) return refuse(translated.error);
  const tree = await (await workspace.parser()).serialize(translated.value.sql);
  return convertParsed(tree, translated.value.sql);
}
