-- Each article's words without their positions, for counting: a query of words (no phrases, no field) has its
-- total counted here, on lists a third as long as the positional index's (src/db/search.ts).
CREATE VIRTUAL TABLE `article_search_counts` USING fts5(
	`headline`,
	`standfirst`,
	`body`,
	`topics`,
	`tags`,
	`authors`,
	content = '',
	contentless_delete = 1,
	detail = none,
	tokenize = 'porter unicode61 remove_diacritics 2',
	prefix = '2 3 4'
);
--> statement-breakpoint
-- The articles indexed before this table existed (keys up to `last_key`) are filled in by the server, in batches,
-- from `next_key` on; the row goes when they are all in, and counts read the positional index until then.
CREATE TABLE `search_counts_backfill` (`next_key` integer NOT NULL, `last_key` integer NOT NULL);
--> statement-breakpoint
INSERT INTO `search_counts_backfill` (`next_key`, `last_key`) SELECT 0, coalesce(max(`rowid_key`), 0) FROM `search_meta`;
