-- A phrase stays inside one field, as on SQLite: the document was the fields' tsvectors concatenated, and `||` makes
-- the last word of one field adjacent to the first of the next ("karabakh ani" matched a topic and an author). Now
-- each field is its own part, a hundred positions after the one before: between them, a lexeme no query can ask for
-- ("-": queries are letters and digits). Weights as before: A headline, B topics and tags, C standfirst and authors,
-- D body.
DROP INDEX "article_search_document_idx";
--> statement-breakpoint
ALTER TABLE "article_search" DROP COLUMN "document";
--> statement-breakpoint
ALTER TABLE "article_search" ADD COLUMN "document" tsvector GENERATED ALWAYS AS (
	setweight(to_tsvector('newsdesk', "headline"), 'A') || '-:100'::tsvector ||
	setweight(to_tsvector('newsdesk', "topics"), 'B') || '-:100'::tsvector ||
	setweight(to_tsvector('newsdesk', "tags"), 'B') || '-:100'::tsvector ||
	setweight(to_tsvector('newsdesk', "standfirst"), 'C') || '-:100'::tsvector ||
	setweight(to_tsvector('newsdesk', "authors"), 'C') || '-:100'::tsvector ||
	setweight(to_tsvector('newsdesk', "body"), 'D')
) STORED;
--> statement-breakpoint
CREATE INDEX "article_search_document_idx" ON "article_search" USING gin ("document");
