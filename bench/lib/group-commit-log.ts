import type fs from 'node:fs/promises';

/**
 * Appends and syncs in groups, as a database's group commit does: while one fdatasync runs, the
 * requests that arrive wait; when it ends, all of them are written together and share the next one.
 */
export class GroupCommitLog {
  private waiting: Array<{ body: Buffer; done: (err?: unknown) => void }> = [];
  private syncing = false;
  /** fdatasync calls made, and bodies they covered. */
  readonly stats = { syncs: 0, bodies: 0 };

  constructor(private readonly file: fs.FileHandle) {}

  append(body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ body, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.syncing) void this.commit();
    });
  }

  private async commit(): Promise<void> {
    this.syncing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        await this.file.writev(group.map((w) => w.body));
        await this.file.datasync();
        this.stats.syncs++;
        this.stats.bodies += group.length;
        for (const w of group) w.done();
      } catch (err) {
        for (const w of group) w.done(err);
      }
    }
    this.syncing = false;
  }
}
