-- One child per row: two rows naming the same prev_hash are a fork of the audit chain, which the
-- append lock (lib/audit/record.ts) prevents and this index makes impossible.
-- An install that ran the forking code may already hold forks. They are history: the migration
-- neither fails on them nor rewrites them (audit:verify keeps reporting them). The index then covers
-- only rows appended after the migration, so every new row still has exactly one parent.
DO $$
DECLARE
  head bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM audit_log GROUP BY prev_hash HAVING count(*) > 1) THEN
    SELECT max(id) INTO head FROM audit_log;
    RAISE WARNING 'audit_log already contains forked rows (up to id %); they are kept as they are and audit:verify reports them. prev_hash is unique from id % on.', head, head + 1;
    EXECUTE format('CREATE UNIQUE INDEX audit_log_prev_hash_key ON audit_log (prev_hash) WHERE id > %s', head);
  ELSE
    CREATE UNIQUE INDEX audit_log_prev_hash_key ON audit_log (prev_hash);
  END IF;
END
$$;
