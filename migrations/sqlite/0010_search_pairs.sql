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
-- The pairs of the articles indexed before this table existed are filled in at start, in batches, from this key on
-- (the row goes when they are all in).
CREATE TABLE `search_pairs_backfill` (`next_key` integer NOT NULL);
--> statement-breakpoint
INSERT INTO `search_pairs_backfill` (`next_key`) VALUES (0);
