-- Full-text search (src/db/search.ts). Text is folded (case, diacritics) before it is indexed; FTS5 stems English.
CREATE VIRTUAL TABLE `article_search` USING fts5(
	`article_id` UNINDEXED,
	`headline`,
	`standfirst`,
	`body`,
	`topics`,
	`tags`,
	`authors`,
	tokenize = 'porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
-- What a search filters and sorts on before it looks at an article, keyed by the FTS rowid: small rows, integer keys.
CREATE TABLE `search_meta` (
	`rowid_key` integer PRIMARY KEY,
	`article_id` text NOT NULL UNIQUE,
	`status` text NOT NULL,
	`published_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
-- Every folded word ever indexed: what "did you mean" corrects towards.
CREATE TABLE `search_terms` (
	`term` text PRIMARY KEY NOT NULL
) WITHOUT ROWID;
