-- The newest 5,000 to 10,000 indexed articles again: relevance ranks the newest matches of a query, and when they are all
-- among these articles, ranking them here reads short lists (how common a word is, which bm25 needs, is counted
-- over these instead of the whole archive), and so does finding their snippets (a small index has fewer
-- segments to look each word up in) (src/db/search.ts). It holds every indexed article whose key is at least
-- `search_recent.floor`; the floor rises as articles are added, to keep between `size` of them and twice as many.
CREATE VIRTUAL TABLE `article_search_recent` USING fts5(
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
CREATE TABLE `search_recent` (`floor` integer NOT NULL, `size` integer NOT NULL);
--> statement-breakpoint
INSERT INTO `search_recent` (`floor`, `size`) SELECT max(coalesce(max(`rowid_key`), 0) - 4999, 1), 5000 FROM `search_meta`;
--> statement-breakpoint
INSERT INTO `article_search_recent` (`rowid`, `headline`, `standfirst`, `body`, `topics`, `tags`, `authors`)
	SELECT `rowid`, `headline`, `standfirst`, `body`, `topics`, `tags`, `authors` FROM `article_search`
	WHERE `rowid` >= (SELECT `floor` FROM `search_recent`);
