-- A cohort's split (decision 034): NULL or {"kind":"official"} is MIMIC-CXR-JPG's own split file;
-- {"kind":"random","seed":…,"ratios":{…},"stratify":…} a reproducible patient-level split.
ALTER TABLE mimic_cohorts ADD COLUMN split jsonb;
