-- Reference data: the training PhysioNet requires for MIMIC-CXR and the four dataset versions labgate
-- knows out of the box. Stewards add others through the app. ON CONFLICT keeps the migration safe to
-- run on a database where a steward already added one of these by hand.
INSERT INTO "training_types" ("slug", "name", "course_name", "default_validity_days") VALUES
  ('citi-data-or-specimens', 'CITI Data or Specimens Only Research', 'Data or Specimens Only Research', 1095)
ON CONFLICT ("slug") DO NOTHING;
--> statement-breakpoint
INSERT INTO "datasets" ("slug", "version", "title", "access_policy", "required_training_types", "dua_name", "dua_version") VALUES
  ('mimic-cxr', '2.0.0', 'MIMIC-CXR Database', 'credentialed', ARRAY['citi-data-or-specimens'], 'PhysioNet Credentialed Health Data Use Agreement', '1.5.0'),
  ('mimic-cxr', '2.1.0', 'MIMIC-CXR Database', 'credentialed', ARRAY['citi-data-or-specimens'], 'PhysioNet Credentialed Health Data Use Agreement', '1.5.0'),
  ('mimic-cxr-jpg', '2.0.0', 'MIMIC-CXR-JPG - chest radiographs with structured labels', 'credentialed', ARRAY['citi-data-or-specimens'], 'PhysioNet Credentialed Health Data Use Agreement', '1.5.0'),
  ('mimic-cxr-jpg', '2.1.0', 'MIMIC-CXR-JPG - chest radiographs with structured labels', 'credentialed', ARRAY['citi-data-or-specimens'], 'PhysioNet Credentialed Health Data Use Agreement', '1.5.0')
ON CONFLICT ("slug", "version") DO NOTHING;
