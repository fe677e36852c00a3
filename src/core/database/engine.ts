/** The database engines the service runs on: SQLite embedded by default, PostgreSQL for clusters. */
export type Engine = 'sqlite' | 'postgres'
