import { defaultHome, Workspace } from '../../collaboration/workspace.ts';

/**
 * The workspace, opened on first use: a command that needs none (`insights list`)
 * leaves no `.cleanroom` folder behind, as before backends existed.
 */
export class LazyWorkspace {
  private opening: Promise<Workspace> | undefined;

  constructor(private readonly home: string | undefined) {}

  get(): Promise<Workspace> {
    this.opening ??= Workspace.open(defaultHome(this.home));
    return this.opening;
  }

  async close(): Promise<void> {
    if (this.opening !== undefined) await (await this.opening).close();
  }
}
