import { forbidden } from '../collaboration/errors.ts';

/**
 * Who acts (shared/CLI.md): `--as`, else the member the command names. A named member
 * other than the actor is refused.
 */
export function actor(as: string | undefined, named: string | undefined): string {
  const who = as ?? named;
  if (who === undefined) throw forbidden('say who acts with --as <member>');
  if (named !== undefined && named !== who) {
    throw forbidden(`member '${who}' cannot act for member '${named}'`, `run the command --as ${named}`);
  }
  return who;
}
