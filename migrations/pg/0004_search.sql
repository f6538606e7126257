-- Full-text search (src/db/search.ts): English stemming with accents and case folded (unaccent), field weights
-- A (headline), B (topics, tags), C (standfirst, authors), D (body). The extension lives in public, once per
-- database; instances and schemas migrating at once may race to create it, which is harmless.
DO $$ BEGIN
	CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
END $$;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION newsdesk (COPY = pg_catalog.english);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION newsdesk ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, english_stem;
--> statement-breakpoint
CREATE TABLE "article_search" (
	"article_id" text COLLATE "C" PRIMARY KEY NOT NULL REFERENCES "articles"("id") ON DELETE cascade,
	"headline" text NOT NULL,
	"standfirst" text NOT NULL,
	"body" text NOT NULL,
	"topics" text NOT NULL,
	"tags" text NOT NULL,
	"authors" text NOT NULL,
	"status" text COLLATE "C" NOT NULL,
	"published_at" bigint,
	"created_at" bigint NOT NULL,
	"document" tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('newsdesk', "headline"), 'A') ||
		setweight(to_tsvector('newsdesk', "topics" || ' ' || "tags"), 'B') ||
		setweight(to_tsvector('newsdesk', "standfirst" || ' ' || "authors"), 'C') ||
		setweight(to_tsvector('newsdesk', "body"), 'D')
	) STORED
);
--> statement-breakpoint
CREATE INDEX "article_search_document_idx" ON "article_search" USING gin ("document");
--> statement-breakpoint
CREATE TABLE "search_terms" (
	"term" text COLLATE "C" PRIMARY KEY NOT NULL
);
