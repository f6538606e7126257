-- Prefix indexes for 2-, 3- and 4-letter prefixes: search-as-you-type reads a short prefix's words from one index
-- instead of merging every word that starts with it (src/db/search.ts expands longer prefixes into their words).
ALTER TABLE `article_search` RENAME TO `article_search_old`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `article_search` USING fts5(
	`article_id` UNINDEXED,
	`headline`,
	`standfirst`,
	`body`,
	`topics`,
	`tags`,
	`authors`,
	tokenize = 'porter unicode61 remove_diacritics 2',
	prefix = '2 3 4'
);
--> statement-breakpoint
INSERT INTO `article_search` (`rowid`, `article_id`, `headline`, `standfirst`, `body`, `topics`, `tags`, `authors`)
	SELECT `rowid`, `article_id`, `headline`, `standfirst`, `body`, `topics`, `tags`, `authors` FROM `article_search_old`;
--> statement-breakpoint
DROP TABLE `article_search_old`;
--> statement-breakpoint
-- Which indexed articles the public cannot see (drafts, scheduled): a search's total subtracts their matches.
CREATE INDEX `search_meta_visibility_idx` ON `search_meta` (`status`, `published_at`);
