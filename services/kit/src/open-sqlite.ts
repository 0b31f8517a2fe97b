import Database from "better-sqlite3";

/**
 * A service's own SQLite database: WAL (readers beside the writer), synchronous = FULL (a commit
 * is on disk before the answer that follows it leaves), a busy timeout for the readers that
 * open it beside the service (the scenario's counts), and its schema.
 */
export function openSqliteDatabase(path: string, schema: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 10000");
  db.exec(schema);
  return db;
}
