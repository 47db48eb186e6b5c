import type { CleanroomClient } from '../../client/cleanroom-client.ts';
import type { Me } from '../../client/types.ts';
import { CleanroomError } from '../../collaboration/errors.ts';
import { actor } from '../actor.ts';
import { UsageError } from '../output.ts';

/**
 * Over a server the acting member is the one the token speaks for (GET /v1/me, asked
 * once). `--as` may repeat it; naming another member is a usage error, since the server
 * would only refuse it.
 */
export function remoteActor(client: CleanroomClient): (as: string | undefined, named?: string) => Promise<string> {
  let me: Promise<Me> | undefined;
  return async (as, named) => {
    me ??= client.me();
    const who = await me;
    if (who.role !== 'member') {
      throw new CleanroomError('forbidden', {
        code: 'forbidden',
        message: 'an administrator key does not act as a member',
        hint: "use the member's own API key (--token or CLEANROOM_TOKEN)",
      });
    }
    if (as !== undefined && as !== who.member) {
      throw new UsageError(
        `--as ${as}: with --server the acting member is the token's, and this token speaks for '${who.member}' (leave out --as, or use a key of '${as}')`,
      );
    }
    return actor(who.member, named);
  };
}
