import Sqlite from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StoreUnderTest } from '../../ports/store.contract.js';

type SeedRooms = NonNullable<StoreUnderTest['seedRooms']>;
type Seed = Parameters<SeedRooms>[0];

const roomRows = (count: number) => Array.from({ length: count }, () => randomUUID());

/** Test seeding for the many-rooms contract: rows written on a second connection, one transaction. */
export function sqliteSeedRooms(file: string): SeedRooms {
  return async ({ ownerId, memberId, count, now }: Seed) => {
    const ids = roomRows(count);
    const db = new Sqlite(file);
    try {
      db.pragma('busy_timeout = 5000');
      const room = db.prepare("insert into rooms (id, kind, name, last_seq, created_at) values (?, 'group', 'seeded', 0, ?)");
      const member = db.prepare(
        'insert into members (room_id, user_id, role, joined_seq, last_read_seq, joined_at) values (?, ?, ?, 0, 0, ?)',
      );
      db.transaction(() => {
        for (const id of ids) {
          room.run(id, now);
          member.run(id, ownerId, 'owner', now);
          member.run(id, memberId, 'member', now);
        }
      }).immediate();
    } finally {
      db.close();
    }
    return ids;
  };
}

export function postgresSeedRooms(url: string): SeedRooms {
  return async ({ ownerId, memberId, count, now }: Seed) => {
    const ids = roomRows(count);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('begin');
      await client.query("insert into rooms (id, kind, name, last_seq, created_at) select unnest($1::text[]), 'group', 'seeded', 0, $2", [
        ids,
        now,
      ]);
      await client.query(
        `insert into members (room_id, user_id, role, joined_seq, last_read_seq, joined_at)
         select r, u.id, u.role, 0, 0, $2 from unnest($1::text[]) r
         cross join (values ($3, 'owner'), ($4, 'member')) as u(id, role)`,
        [ids, now, ownerId, memberId],
      );
      await client.query('commit');
    } finally {
      await client.end();
    }
    return ids;
  };
}
