-- Each article's byline, topics and tags as its summaries show them, on its row (src/db/summary-links.ts keeps it).
ALTER TABLE "articles" ADD COLUMN "summary_links" jsonb;
--> statement-breakpoint
UPDATE "articles" SET "summary_links" = jsonb_build_object(
	'authors', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', "a"."id", 'slug', "a"."slug", 'name', "a"."name") ORDER BY "b"."position") FROM "bylines" "b" JOIN "authors" "a" ON "a"."id" = "b"."author_id" WHERE "b"."article_id" = "articles"."id"), '[]'::jsonb),
	'topics', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', "t"."id", 'slug', "t"."slug", 'title', "t"."title") ORDER BY "l"."position") FROM "article_topics" "l" JOIN "topics" "t" ON "t"."id" = "l"."topic_id" WHERE "l"."article_id" = "articles"."id"), '[]'::jsonb),
	'tags', COALESCE((SELECT jsonb_agg("tag" ORDER BY "position") FROM "article_tags" WHERE "article_id" = "articles"."id"), '[]'::jsonb)
);
