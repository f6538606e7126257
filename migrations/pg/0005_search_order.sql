-- The order articles were first indexed in (an edit keeps it): relevance over a query matching more articles than
-- the ranking window ranks the newest-indexed ones, as SQLite does by FTS rowid.
ALTER TABLE "article_search" ADD COLUMN "seq" bigint GENERATED ALWAYS AS IDENTITY;
