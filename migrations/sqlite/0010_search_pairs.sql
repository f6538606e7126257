-- Adjacent word pairs, for phrases: each position of a field holds the pair of the word there and the next one
-- ("armenian_border"), as the search index's own tokenizer stems and folds them. A two-word phrase is one term
-- here and a longer one a phrase of pairs, so finding, counting and ranking a phrase of common words reads short
-- lists instead of checking the positions of every article that has all its words (src/db/search.ts).
CREATE VIRTUAL TABLE `article_search_pairs` USING fts5(
	`headline`,
	`standfirst`,
	`body`,
	`topics`,
	`tags`,
	`authors`,
	content = '',
	contentless_delete = 1,
	tokenize = 'ascii tokenchars ''_'''
);
--> statement-breakpoint
-- The pairs of the articles indexed before this table existed (keys up to `last_key`) are filled in by the server,
-- in batches, from `next_key` on; the row goes when they are all in. Articles indexed from now on get theirs as
-- they are written.
CREATE TABLE `search_pairs_backfill` (`next_key` integer NOT NULL, `last_key` integer NOT NULL);
--> statement-breakpoint
INSERT INTO `search_pairs_backfill` (`next_key`, `last_key`) SELECT 0, coalesce(max(`rowid_key`), 0) FROM `search_meta`;
