/**
 * `txfs/postgres`: the journal, manifest, backup index and lock table on PostgreSQL, for several hosts writing to
 * one shared filesystem (README "Many hosts").
 */
export { postgresJournal, type PostgresJournal, type PostgresJournalOptions } from './postgresJournal.js';
