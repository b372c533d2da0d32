import { DatabaseStartupError, openDataSource } from '@spamfilter/persistence';
import { createPostgresTestDatabase } from './test-databases';

describe('start-up errors against the real PostgreSQL', () => {
  it('a wrong password is one line naming the user, never the password', async () => {
    const db = await createPostgresTestDatabase();
    try {
      const url = new URL(db.config.url);
      url.password = 'not-the-password-42';
      const failure = await openDataSource({ ...db.config, url: url.toString() }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(DatabaseStartupError);
      const message = (failure as Error).message;
      expect(message).toMatch(
        new RegExp(
          `^database: postgres at ${url.hostname}:${url.port} rejected user "${url.username}" \\(28P01 `,
        ),
      );
      expect(message).not.toContain('not-the-password-42');
      expect(message).not.toContain('\n');
    } finally {
      await db.drop();
    }
  });

  it('a missing database is named', async () => {
    const db = await createPostgresTestDatabase();
    await db.drop();
    const name = new URL(db.config.url).pathname.slice(1);
    await expect(openDataSource(db.config)).rejects.toThrow(`has no database "${name}" (3D000)`);
  });
});
