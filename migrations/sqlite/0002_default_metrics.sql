-- The metrics every newsroom needs from the first day; editors can add more through the API.
INSERT INTO `metrics` (`id`, `slug`, `name`, `description`, `components`, `created_at`, `updated_at`) VALUES
  ('01835000-0000-7000-8000-00000000f001', 'killed', 'Killed', 'People killed.', '[]', 1663200000000, 1663200000000),
  ('01835000-0000-7000-8000-00000000f002', 'missing', 'Missing', 'People missing.', '[]', 1663200000000, 1663200000000),
  ('01835000-0000-7000-8000-00000000f003', 'killed-or-missing', 'Killed or missing', 'Deaths and missing persons counted together, as some claimants report them. Never summed with killed or missing.', '["killed","missing"]', 1663200000000, 1663200000000);
--> statement-breakpoint
INSERT INTO `metrics` (`id`, `slug`, `name`, `description`, `components`, `created_at`, `updated_at`) VALUES
  ('01835000-0000-7000-8000-00000000f004', 'wounded', 'Wounded', 'People injured.', '[]', 1663200000000, 1663200000000),
  ('01835000-0000-7000-8000-00000000f005', 'captured', 'Captured', 'People taken prisoner, by the counterparty.', '[]', 1663200000000, 1663200000000),
  ('01835000-0000-7000-8000-00000000f006', 'displaced', 'Displaced', 'People forced from their homes.', '[]', 1663200000000, 1663200000000),
  ('01835000-0000-7000-8000-00000000f007', 'casualties', 'Casualties', 'Ambiguous wording that may cover the killed, wounded, missing or captured. Never summed with them.', '["killed","wounded","missing","captured"]', 1663200000000, 1663200000000);
