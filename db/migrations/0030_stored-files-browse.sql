-- The lab-storage browser lists one folder at a time by skipping from entry to entry (a loose index
-- scan): byte order, whatever the database's collation, so that "folder/" sorts with its children
-- and the successor of a folder is simply its name followed by '0' ('/' + 1).
CREATE INDEX "stored_files_browse" ON "stored_files" ("lab_id", "dataset_id", ("path" COLLATE "C"));
