import { acceptCollaboration, createCollaboration } from '../../src/collaboration/collaborations.ts';
import type { Workspace } from '../../src/collaboration/workspace.ts';

/** Collaboration `media`: brand queries and receives; the two platforms only bring tables. */
export async function mediaCollaboration(workspace: Workspace): Promise<void> {
  await createCollaboration(
    workspace.db,
    'brand',
    'media',
    [
      { member: 'brand', query: true, receive: true },
      { member: 'platform', query: false, receive: false },
      { member: 'platform2', query: false, receive: false },
    ],
    true,
  );
  await acceptCollaboration(workspace.db, 'platform', 'media');
  await acceptCollaboration(workspace.db, 'platform2', 'media');
}
